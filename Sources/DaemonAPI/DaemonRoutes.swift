import Contacts
import Daemon
import Foundation
import Hummingbird
import Identity
import Logging

/// The REST routes under `/v1` (docs/api.md). Every handler maps ``DaemonError`` to a status:
/// 400 bad input, 401 no token, 404 unknown account/contact/request, 502 name server, 503 offline.
struct DaemonRoutes: Sendable {
    let daemon: Daemon
    let logger: Logger
    static let version = "0.5.0"

    func register(on router: Router<some RequestContext>) {
        let v1 = router.group("v1")
        v1.get("status") { _, _ in
            API.Status(version: Self.version, accounts: await daemon.accountIDs.count, eventSubscribers: daemon.events.subscriberCount)
        }
        v1.get("accounts") { _, _ in
            var list: [API.Account] = []
            for id in await daemon.accountIDs { list.append(try await answering { try await account(id.hex) }) }
            return API.AccountList(accounts: list)
        }
        v1.post("accounts") { request, context in
            let body = try await request.decode(as: API.NewAccount.self, context: context)
            let runtime = try await answering {
                try await daemon.createAccount(password: body.password.flatMap { $0.isEmpty ? nil : $0 }, deviceName: body.deviceName ?? "rafiki",
                                               displayName: body.displayName)
            }
            return EditedResponse(status: .created, response: try await answering { try await account(runtime.id.hex) })
        }
        v1.post("accounts/import") { request, context in
            let body = try await request.decode(as: API.ImportAccount.self, context: context)
            guard let bytes = Data(base64Encoded: body.archive) else { throw HTTPError(.badRequest, message: "archive is not base64") }
            let runtime = try await answering {
                try await daemon.importAccount(archive: Array(bytes), password: body.password.flatMap { $0.isEmpty ? nil : $0 },
                                               deviceName: body.deviceName ?? "rafiki")
            }
            return EditedResponse(status: .created, response: try await answering { try await account(runtime.id.hex) })
        }
        v1.get("accounts/:account") { _, context in try await answering { try await account(context.parameters.require("account")) } }
        v1.post("accounts/:account/export") { _, context in
            try await answering {
                let e = try await daemon.exportAccount(context.parameters.require("account"))
                return API.Export(archive: Data(e.archive).base64EncodedString(), passwordProtected: e.hasPassword)
            }
        }
        v1.put("accounts/:account/profile") { request, context in
            let body = try await request.decode(as: API.Profile.self, context: context)
            if let avatar = body.avatar, Data(base64Encoded: avatar) == nil { throw HTTPError(.badRequest, message: "avatar is not base64") }
            return try await answering {
                let runtime = try await runtime(context)
                try await runtime.contacts.setProfile(VCard.make(displayName: body.displayName, photoBase64: body.avatar, photoType: body.avatarType ?? "JPEG"))
                return body
            }
        }
        registerContacts(on: v1)
    }

    private func registerContacts(on v1: RouterGroup<some RequestContext>) {
        v1.get("accounts/:account/contacts") { _, context in
            try await answering { API.ContactList(contacts: try await runtime(context).contacts.contactViews()) }
        }
        v1.post("accounts/:account/contacts") { request, context in
            let body = try await request.decode(as: API.AddContact.self, context: context)
            return EditedResponse(status: .accepted, response: try await answering {
                let runtime = try await runtime(context)
                let peer = try await daemon.resolve(body.peer)
                try await runtime.contacts.add(peer)
                return try await runtime.contacts.contactView(peer)
            })
        }
        v1.get("accounts/:account/contacts/:peer") { _, context in
            try await answering { try await runtime(context).contacts.contactView(try peer(context)) }
        }
        v1.delete("accounts/:account/contacts/:peer") { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).contacts.remove(try peer(context), ban: false) }
            return .noContent
        }
        v1.post("accounts/:account/contacts/:peer/ban") { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).contacts.remove(try peer(context), ban: true) }
            return .noContent
        }
        v1.post("accounts/:account/contacts/:peer/unban") { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).contacts.unban(try peer(context)) }
            return .noContent
        }
        v1.get("accounts/:account/requests") { request, context in
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 50, 1), 500)
            let after = try request.uri.queryParameters["after"].map { cursor -> (Int64, PublicKeyID) in
                let parts = cursor.split(separator: ":")
                guard parts.count == 2, let t = Int64(parts[0]), let id = PublicKeyID(hex: parts[1]) else {
                    throw HTTPError(.badRequest, message: "after must be a cursor from a previous page")
                }
                return (t, id)
            }
            return try await answering {
                let runtime = try await runtime(context)
                let page = try runtime.contacts.requests(limit: limit, after: after.map { (received: $0.0, sender: $0.1) })
                let next = page.requests.count == limit ? page.requests.last.map { "\($0.received):\($0.from.hex)" } : nil
                return API.RequestPage(requests: page.requests.map(Self.view), total: page.total, next: next)
            }
        }
        v1.post("accounts/:account/requests/:peer/accept") { _, context in
            try await answering {
                let runtime = try await runtime(context)
                let peer = try peer(context)
                try await runtime.contacts.accept(peer)
                return try await runtime.contacts.contactView(peer)
            }
        }
        v1.post("accounts/:account/requests/:peer/decline") { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).contacts.decline(try peer(context)) }
            return .noContent
        }
        v1.get("accounts/:account/presence") { _, context in
            try await answering { API.PresenceList(presence: try await runtime(context).contacts.presence()) }
        }
    }

    static func view(_ r: IncomingRequest) -> API.Request {
        API.Request(from: r.from.hex, device: r.device.hex, conversationId: r.conversationId, received: r.received,
                    displayName: VCard.displayName(in: r.payload), payload: Data(r.payload).base64EncodedString())
    }

    private func runtime(_ context: some RequestContext) async throws -> AccountRuntime {
        try await daemon.runtime(try context.parameters.require("account"))
    }

    private func peer(_ context: some RequestContext) throws -> PublicKeyID {
        let text = try context.parameters.require("peer")
        guard case .account(let id) = try? PeerReference(text) else { throw HTTPError(.badRequest, message: "'\(text.prefix(80))' is not a 40-hex account id") }
        return id
    }

    private func account(_ id: String) async throws -> API.Account {
        let runtime = try await daemon.runtime(id)
        let info = try await daemon.info(runtime.id)
        let seen = Dictionary(try runtime.knownDevices().map { ($0.0.hex, $0.1) }, uniquingKeysWith: max)
        var devices = info.devices.map { API.Device(id: $0.id, name: $0.name, lastSeen: seen[$0.id]) }
        for (id, t) in seen where !devices.contains(where: { $0.id == id }) { devices.append(API.Device(id: id, name: nil, lastSeen: t)) }
        let summary = await runtime.nodeSummary()
        return API.Account(
            id: runtime.id.hex, uri: "jami:" + runtime.id.hex, device: runtime.device.shortID.hex, deviceLongId: runtime.device.longID.hex,
            state: await runtime.state.rawValue, displayName: runtime.contacts.displayName(), archiveHasPassword: info.archiveHasPassword,
            devices: devices, dhtPort: summary.port, dhtNodes: summary.nodes)
    }
}
