import Contacts
import Daemon
import DaemonWire
import Foundation
import Hummingbird
import Identity

extension DaemonRoutes {
    func registerContacts(on router: Router<some RequestContext>) {
        router.on(.contacts) { _, context in
            try await answering { API.ContactList(contacts: try await runtime(context).contacts.contactViews()) }
        }
        router.on(.addContact) { request, context in
            let body = try await request.decode(as: API.AddContact.self, context: context)
            return EditedResponse(status: .accepted, response: try await answering {
                let runtime = try await runtime(context)
                let peer = try await daemon.resolve(body.peer)
                try await runtime.addContact(peer)
                return try await runtime.contacts.contactView(peer)
            })
        }
        router.on(.contact) { _, context in
            try await answering { try await runtime(context).contacts.contactView(try peer(context)) }
        }
        router.on(.contactProfile) { _, context in
            try await answering { try await runtime(context).profile(of: try peer(context)) }
        }
        router.on(.removeContact) { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).contacts.remove(try peer(context), ban: false) }
            return .noContent
        }
        router.on(.banContact) { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).contacts.remove(try peer(context), ban: true) }
            return .noContent
        }
        router.on(.unbanContact) { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).contacts.unban(try peer(context)) }
            return .noContent
        }
        router.on(.requests) { request, context in
            let limit = min(max(request.uri.queryParameters.get(Endpoint.Query.limit, as: Int.self) ?? 50, 1), 500)
            let after = try request.uri.queryItem(Endpoint.Query.after).map { cursor -> (Int64, PublicKeyID) in
                let parts = cursor.split(separator: ":")
                guard parts.count == 2, let t = Int64(parts[0]), let id = PublicKeyID(hex: parts[1]) else {
                    throw APIError(.invalid, "after must be a cursor from a previous page")
                }
                return (t, id)
            }
            return try await answering {
                let page = try await runtime(context).contacts.requests(limit: limit, after: after.map { (received: $0.0, sender: $0.1) })
                let next = page.requests.count == limit ? page.requests.last.map { "\($0.received):\($0.from.hex)" } : nil
                return API.RequestPage(requests: page.requests.map(Self.view), total: page.total, next: next)
            }
        }
        router.on(.acceptRequest) { _, context in
            try await answering {
                let runtime = try await runtime(context)
                let peer = try peer(context)
                try await runtime.acceptRequest(peer)
                return try await runtime.contacts.contactView(peer)
            }
        }
        router.on(.declineRequest) { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).contacts.decline(try peer(context)) }
            return .noContent
        }
        router.on(.presence) { _, context in
            try await answering { API.PresenceList(presence: try await runtime(context).contacts.presence()) }
        }
    }

    static func view(_ r: IncomingRequest) -> API.Request {
        API.Request(from: r.from.hex, device: r.device.hex, conversationId: r.conversationId, received: r.received,
                    displayName: VCard.displayName(in: r.payload), payload: Data(r.payload).base64EncodedString())
    }
}
