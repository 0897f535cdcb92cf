import Contacts
import Daemon
import DaemonWire
import Foundation
import Hummingbird
import HummingbirdCore
import Identity
import Logging

/// The REST routes (docs/api.md), one per ``Endpoint``. Handlers call the daemon and its
/// accounts, never their storage, and convert what they return to the wire types; every failure
/// is an ``APIError`` (DaemonError+HTTP.swift gives the statuses).
struct DaemonRoutes: Sendable {
    let daemon: Daemon
    let logger: Logger
    static let version = "0.5.0"

    func register(on router: Router<some RequestContext>) {
        router.on(.status) { _, _ in
            API.Status(version: Self.version, accounts: await daemon.accountIDs.count, eventSubscribers: daemon.events.subscriberCount)
        }
        router.on(.accounts) { _, _ in
            var list: [API.Account] = []
            for id in await daemon.accountIDs { list.append(try await answering { try await account(id.hex) }) }
            return API.AccountList(accounts: list)
        }
        router.on(.createAccount) { request, context in
            let body = try await request.decode(as: API.NewAccount.self, context: context)
            let runtime = try await answering {
                try await daemon.createAccount(password: body.password.flatMap { $0.isEmpty ? nil : $0 }, deviceName: body.deviceName ?? "rafiki",
                                               displayName: body.displayName)
            }
            return EditedResponse(status: .created, response: try await answering { try await account(runtime.id.hex) })
        }
        router.on(.importAccount) { request, context in
            let body = try await request.decode(as: API.ImportAccount.self, context: context)
            guard let bytes = Data(base64Encoded: body.archive) else { throw APIError(.invalid, "archive is not base64") }
            let runtime = try await answering {
                try await daemon.importAccount(archive: Array(bytes), password: body.password.flatMap { $0.isEmpty ? nil : $0 },
                                               deviceName: body.deviceName ?? "rafiki")
            }
            return EditedResponse(status: .created, response: try await answering { try await account(runtime.id.hex) })
        }
        router.on(.linkDevice) { request, context in
            let body = try await request.decode(as: API.LinkDevice.self, context: context)
            let runtime = try await answering {
                try await daemon.linkDevice(pin: body.pin, password: body.password.flatMap { $0.isEmpty ? nil : $0 }, deviceName: body.deviceName ?? "rafiki")
            }
            return EditedResponse(status: .created, response: try await answering { try await account(runtime.id.hex) })
        }
        router.on(.authorizeDevice) { request, context in
            let body = try await request.decode(as: API.AuthorizeDevice.self, context: context)
            return try await answering { try await daemon.authorizeDevice(context.parameters.require(Endpoint.accountParameter), password: body.password) }
        }
        router.on(.account) { _, context in try await answering { try await account(context.parameters.require(Endpoint.accountParameter)) } }
        router.on(.exportAccount) { _, context in
            try await answering {
                let e = try await daemon.exportAccount(context.parameters.require(Endpoint.accountParameter))
                return API.Export(archive: Data(e.archive).base64EncodedString(), passwordProtected: e.hasPassword)
            }
        }
        router.on(.profile) { request, context in
            let body = try await request.decode(as: API.Profile.self, context: context)
            if let avatar = body.avatar, Data(base64Encoded: avatar) == nil { throw APIError(.invalid, "avatar is not base64") }
            return try await answering {
                try await runtime(context).setProfile(displayName: body.displayName, avatar: body.avatar, avatarType: body.avatarType)
                return body
            }
        }
        router.on(.ownProfile) { _, context in try await answering { try await runtime(context).profile(of: nil) } }
        registerContacts(on: router)
        registerPeers(on: router)
        registerConversations(on: router)
    }

    func runtime(_ context: some RequestContext) async throws -> AccountRuntime {
        try await daemon.runtime(try context.parameters.require(Endpoint.accountParameter))
    }

    func peer(_ context: some RequestContext) throws -> PublicKeyID {
        let text = try context.parameters.require(Endpoint.peerParameter)
        guard case .account(let id) = try? PeerReference(text) else { throw APIError(.invalid, "'\(text.prefix(80))' is not a 40-hex account id") }
        return id
    }

    private func account(_ id: String) async throws -> API.Account {
        let runtime = try await daemon.runtime(id)
        let info = try await daemon.info(runtime.id)
        let seen = Dictionary(try runtime.devicesSeen().map { ($0.device.hex, $0.seen) }, uniquingKeysWith: max)
        var devices = info.devices.map { API.Device(id: $0.id, name: $0.name, lastSeen: seen[$0.id]) }
        for (id, t) in seen where !devices.contains(where: { $0.id == id }) { devices.append(API.Device(id: id, name: nil, lastSeen: t)) }
        let summary = await runtime.nodeSummary()
        return API.Account(
            id: runtime.id.hex, uri: "jami:" + runtime.id.hex, device: runtime.device.shortID.hex, deviceLongId: runtime.device.longID.hex,
            state: await runtime.state, displayName: runtime.contacts.displayName(), archiveHasPassword: info.archiveHasPassword,
            devices: devices, dhtPort: summary.port, dhtNodes: summary.nodes)
    }
}

extension RouterMethods {
    /// Registers `handler` for `endpoint`'s method and path.
    @discardableResult
    func on(_ endpoint: Endpoint, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator) -> Self {
        on(RouterPath(endpoint.template), method: endpoint.method.http, use: handler)
    }
}

extension Endpoint.Method {
    var http: HTTPRequest.Method {
        switch self {
        case .get: .get
        case .post: .post
        case .put: .put
        case .delete: .delete
        }
    }
}

extension URI {
    /// The (percent-decoded) value of query item `name`, as the endpoints name them (``Endpoint/Query``).
    func queryItem(_ name: String) -> Substring? { queryParameters[name[...]] }
}
