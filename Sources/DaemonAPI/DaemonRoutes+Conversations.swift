import Daemon
import DaemonWire
import Foundation
import Hummingbird
import Identity
import Swarm

extension DaemonRoutes {
    func registerConversations(on router: Router<some RequestContext>) {
        router.on(.conversations) { _, context in
            try await answering { API.ConversationList(conversations: try await runtime(context).swarmService().views()) }
        }
        router.on(.createConversation) { request, context in
            let body = try await request.decode(as: API.NewConversation.self, context: context)
            return EditedResponse(status: .created, response: try await answering {
                let runtime = try await runtime(context)
                var members: [PublicKeyID] = []
                for m in body.members ?? [] { members.append(try await daemon.resolve(m)) }
                let id = try await runtime.createConversation(mode: Self.mode(body.mode ?? .invitesOnly), members: members)
                return try await runtime.swarmService().view(id)
            })
        }
        router.on(.conversation) { _, context in
            try await answering { try await runtime(context).swarmService().view(try conversation(context)) }
        }
        router.on(.leaveConversation) { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).leave(try conversation(context)) }
            return .noContent
        }
        router.on(.inviteMember) { request, context in
            let body = try await request.decode(as: API.InviteMember.self, context: context)
            return try await answering {
                let runtime = try await runtime(context), c = try conversation(context)
                try await runtime.invite(try await daemon.resolve(body.peer), to: c)
                return try await runtime.swarmService().view(c)
            }
        }
        router.on(.removeMember) { _, context in
            try await answering {
                let runtime = try await runtime(context), c = try conversation(context)
                try await runtime.removeMember(try peer(context), from: c)
                return try await runtime.swarmService().view(c)
            }
        }
        router.on(.banMember) { _, context in
            try await answering {
                let runtime = try await runtime(context), c = try conversation(context)
                try await runtime.banMember(try peer(context), from: c)
                return try await runtime.swarmService().view(c)
            }
        }
        router.on(.unbanMember) { _, context in
            try await answering {
                let runtime = try await runtime(context), c = try conversation(context)
                try await runtime.unbanMember(try peer(context), from: c)
                return try await runtime.swarmService().view(c)
            }
        }
        router.on(.typing) { request, context -> HTTPResponse.Status in
            let body = try await request.decode(as: API.Typing.self, context: context)
            try await answering { try await runtime(context).setTyping(body.active, in: try conversation(context)) }
            return .noContent
        }
        router.on(.conversationRequests) { _, context in
            try await answering {
                let requests = try await runtime(context).database.conversationRequests()
                return API.ConversationRequestList(requests: requests.map {
                    API.ConversationRequest(conversation: $0.conversation, from: $0.sender.hex, received: $0.received, title: $0.metadata["title"], metadata: $0.metadata)
                })
            }
        }
        router.on(.acceptConversation) { _, context in
            try await answering {
                let runtime = try await runtime(context), c = try conversation(context)
                try await runtime.acceptConversation(c)
                return try await runtime.swarmService().view(c)
            }
        }
        router.on(.declineConversation) { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).declineConversation(try conversation(context)) }
            return .noContent
        }
        registerMessages(on: router)
        registerFiles(on: router)
    }

    func conversation(_ context: some RequestContext) throws -> ObjectID {
        try objectID(context, Endpoint.conversationParameter, "conversation")
    }

    func objectID(_ context: some RequestContext, _ parameter: String, _ what: String) throws -> ObjectID {
        let text = try context.parameters.require(parameter)
        guard let id = ObjectID(hex: text.lowercased()) else { throw APIError(.invalid, "'\(text.prefix(80))' is not a \(what) id (40 hex)") }
        return id
    }

    static func mode(_ mode: API.ConversationMode) -> ConversationMode {
        switch mode {
        case .oneToOne: .oneToOne
        case .adminInvitesOnly: .adminInvitesOnly
        case .invitesOnly: .invitesOnly
        case .public: .publicConversation
        }
    }
}
