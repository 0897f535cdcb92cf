import Daemon
import Foundation
import DaemonWire
import Hummingbird

extension DaemonRoutes {
    func registerFiles(on router: Router<some RequestContext>) {
        router.on(.conversationProfile) { _, context in
            try await answering { try await runtime(context).conversationProfile(try conversation(context)) }
        }
        router.on(.updateConversationProfile) { request, context in
            let body = try await request.decode(as: API.ConversationProfile.self, context: context)
            if let avatar = body.avatar, !avatar.isEmpty, Data(base64Encoded: avatar) == nil { throw APIError(.invalid, "avatar is not base64") }
            return try await answering { try await runtime(context).updateConversationProfile(try conversation(context), body) }
        }
        router.on(.files) { _, context in
            try await answering { API.FileList(files: try await runtime(context).files(in: try conversation(context))) }
        }
        router.on(.sendFile) { request, context in
            let body = try await request.decode(as: API.SendFile.self, context: context)
            guard body.path.hasPrefix("/") else { throw APIError(.invalid, "path must be absolute") }
            return EditedResponse(status: .created, response: try await answering {
                try await runtime(context).sendFile(body.path, name: body.name, in: try conversation(context))
            })
        }
        router.on(.file) { _, context in
            try await answering { try await runtime(context).file(try message(context), in: try conversation(context)) }
        }
        router.on(.downloadFile) { _, context in
            EditedResponse(status: .accepted, response: try await answering {
                try await runtime(context).downloadFile(try message(context), in: try conversation(context))
            })
        }
        router.on(.cancelFile) { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).cancelFile(try message(context), in: try conversation(context)) }
            return .noContent
        }
    }
}
