import Daemon
import DaemonWire
import Foundation
import Hummingbird
import Identity
import Swarm

extension DaemonRoutes {
    func registerMessages(on router: Router<some RequestContext>) {
        router.on(.messages) { request, context in
            let limit = request.uri.queryParameters.get(Endpoint.Query.limit, as: Int.self) ?? 50
            let before = try request.uri.queryItem(Endpoint.Query.before).map { text -> String in
                guard let id = ObjectID(hex: text.lowercased()) else { throw APIError(.invalid, "before must be a message id") }
                return id.hex
            }
            return try await answering { try await runtime(context).swarmService().messages(in: try conversation(context), before: before, limit: limit) }
        }
        router.on(.sendMessage) { request, context in
            let body = try await request.decode(as: API.SendMessage.self, context: context)
            let replyTo = try body.replyTo.map { text -> ObjectID in
                guard let id = ObjectID(hex: text.lowercased()) else { throw APIError(.invalid, "replyTo must be a message id") }
                return id
            }
            return EditedResponse(status: .created, response: try await answering {
                let runtime = try await runtime(context), c = try conversation(context)
                let id = try await runtime.sendMessage(body.body, in: c, replyTo: replyTo)
                return try await runtime.swarmService().message(id, in: c)
            })
        }
        router.on(.message) { _, context in
            try await answering { try await runtime(context).swarmService().message(try message(context), in: try conversation(context)) }
        }
        router.on(.editMessage) { request, context in
            let body = try await request.decode(as: API.EditMessage.self, context: context)
            guard !body.body.isEmpty else { throw APIError(.invalid, "the new text is empty (DELETE deletes a message)") }
            return try await answering {
                let runtime = try await runtime(context), c = try conversation(context), m = try message(context)
                _ = try await runtime.editMessage(m, body: body.body, in: c)
                return try await runtime.swarmService().message(m, in: c)
            }
        }
        router.on(.deleteMessage) { _, context -> HTTPResponse.Status in
            try await answering { _ = try await runtime(context).editMessage(try message(context), body: "", in: try conversation(context)) }
            return .noContent
        }
        router.on(.react) { request, context in
            let body = try await request.decode(as: API.React.self, context: context)
            return try await answering {
                let runtime = try await runtime(context), c = try conversation(context), m = try message(context)
                _ = try await runtime.react(body.emoji, to: m, in: c)
                return try await runtime.swarmService().message(m, in: c)
            }
        }
        router.on(.readMessage) { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).markRead(try message(context), in: try conversation(context)) }
            return .noContent
        }
        router.on(.searchMessages) { request, context in
            let limit = request.uri.queryParameters.get(Endpoint.Query.limit, as: Int.self) ?? 50
            guard let text = request.uri.queryItem(Endpoint.Query.text), !text.isEmpty else { throw APIError(.invalid, "q (the words to search) is missing") }
            let scope = try request.uri.queryItem(Endpoint.Query.conversation).map { c -> ObjectID in
                guard let id = ObjectID(hex: c.lowercased()) else { throw APIError(.invalid, "conversation must be a conversation id") }
                return id
            }
            return try await answering {
                API.MessagePage(messages: try await runtime(context).swarmService().search(String(text), in: scope, limit: limit))
            }
        }
    }

    func message(_ context: some RequestContext) throws -> ObjectID {
        try objectID(context, Endpoint.messageParameter, "message")
    }
}
