import NIOCore
import STUN

/// One TCP relay allocation on a TURN server (RFC 5766 with RFC 6062's TCP relaying), as a
/// sans-I/O state machine: the driver feeds it what the control connection reads and the time,
/// and carries out its ``Output``s.
///
/// Flow: Allocate (REQUESTED-TRANSPORT = TCP) → 401 with realm and nonce → Allocate again with
/// long-term credentials → the relayed address. Refreshed a minute before its lifetime ends;
/// permissions for peer IPs are created on demand and refreshed every 4 minutes while wanted.
/// A peer connecting to the relayed address shows up as a ConnectionAttempt, which the driver
/// binds on a new TCP connection to the server (``connectionBind(_:)``); after a successful
/// ConnectionBind that connection carries the peer's bytes.
public struct TURNClient: Sendable {
    public enum Output: Sendable, Equatable {
        /// Write these bytes on the control connection.
        case send([UInt8])
        /// The allocation is ready (first time only).
        case allocated(relayed: SocketAddress, mapped: SocketAddress?)
        /// A peer connected to the relayed address: bind it with ``connectionBind(_:)``.
        case connectionAttempt(id: UInt32, peer: SocketAddress)
        /// The allocation failed or was lost; nothing more will come.
        case failed(TURNError)
    }

    enum Purpose: Sendable, Equatable {
        case allocate, refresh, permission([[UInt8]])
    }

    /// Requests without an answer after this long fail the allocation (ms).
    public static let transactionTimeout: Int64 = 10_000
    /// Permissions last 300 s on the server; refreshed after 240 s.
    public static let permissionRefresh: Int64 = 240_000
    public static let requestedLifetime: UInt32 = 600
    /// Peers permitted at once, at most.
    public static let maxPermissions = 64

    public let credentials: TURNCredentials
    private(set) var realm: String?
    private(set) var nonce: [UInt8]?
    private var key: [UInt8]?
    private var pending: [[UInt8]: (purpose: Purpose, sent: Int64)] = [:]
    private var outputs: [Output] = []
    public private(set) var relayed: SocketAddress?
    public private(set) var mapped: SocketAddress?
    private var expires: Int64 = .max
    private var permissions: [[UInt8]: (address: SocketAddress, refreshed: Int64)] = [:]
    public private(set) var isFailed = false
    private var authRetries = 0

    public init(credentials: TURNCredentials, now: Int64) {
        self.credentials = credentials
        request(.allocate, now: now)
    }

    public mutating func takeOutputs() -> [Output] {
        defer { outputs = [] }
        return outputs
    }

    /// When ``tick(now:)`` is next due.
    public var nextWakeup: Int64 {
        guard !isFailed else { return .max }
        var t = pending.values.map { $0.sent + Self.transactionTimeout }.min() ?? .max
        if relayed != nil { t = min(t, expires - 60_000) }
        if let p = permissions.values.map(\.refreshed).min() { t = min(t, p + Self.permissionRefresh) }
        return t
    }

    /// Lets the server relay connections from `peers` (their IPs; ports are ignored).
    public mutating func permit(_ peers: [SocketAddress], now: Int64) {
        guard !isFailed else { return }
        var new: [[UInt8]] = []
        for p in peers {
            guard let ip = p.packedIP, permissions[ip] == nil, permissions.count < Self.maxPermissions else { continue }
            permissions[ip] = (p, now)
            new.append(ip)
        }
        if !new.isEmpty, relayed != nil { request(.permission(new), now: now) }
    }

    public mutating func tick(now: Int64) {
        guard !isFailed else { return }
        if let (_, late) = pending.first(where: { now - $0.value.sent >= Self.transactionTimeout }) {
            return fail(.timeout(Self.name(of: late.purpose)))
        }
        guard relayed != nil else { return }
        if now >= expires - 60_000, !pending.values.contains(where: { $0.purpose == .refresh }) {
            expires = .max
            request(.refresh, now: now)
        }
        let due = permissions.filter { now - $0.value.refreshed >= Self.permissionRefresh }.map(\.key)
        if !due.isEmpty {
            for ip in due { permissions[ip]!.refreshed = now }
            request(.permission(due), now: now)
        }
    }

    /// One whole message read from the control connection.
    public mutating func received(_ bytes: [UInt8], now: Int64) {
        guard !isFailed else { return }
        let message: STUNMessage
        do { message = try STUNMessage(parsing: bytes) } catch { return fail(.protocolViolation("\(error)")) }
        if message.method == .connectionAttempt, message.class == .indication {
            // Indications carry no integrity; an attempt for a peer we did not permit is the
            // server's business (it refuses those itself), so only the shape is checked.
            guard let id = message.uint32(.connectionID), let peer = try? message.xorAddress(.xorPeerAddress) else { return }
            outputs.append(.connectionAttempt(id: id, peer: peer))
            return
        }
        guard message.class == .success || message.class == .error,
              let (purpose, _) = pending.removeValue(forKey: message.transactionID) else { return }
        if message.class == .error {
            let (code, reason) = message.errorCode ?? (0, "no error code")
            // 401 (first Allocate) and 438 (stale nonce): the server tells us realm and nonce.
            if code == 401 || code == 438, authRetries < 3, let realm = message.attribute(.realm), let nonce = message.attribute(.nonce) {
                authRetries += 1
                self.realm = String(decoding: realm, as: UTF8.self)
                self.nonce = nonce
                key = credentials.key(realm: self.realm!)
                return request(purpose, now: now)
            }
            return fail(.refused(method: Self.name(of: purpose), code: code, reason: String(reason.prefix(120))))
        }
        guard let key, (try? message.checkIntegrity(key: key)) != nil else {
            return fail(.protocolViolation("a \(Self.name(of: purpose)) answer without valid integrity"))
        }
        authRetries = 0
        switch purpose {
        case .allocate:
            guard let relayed = try? message.xorAddress(.xorRelayedAddress) else { return fail(.protocolViolation("no relayed address")) }
            self.relayed = relayed
            mapped = try? message.xorAddress(.xorMappedAddress)
            expires = now + Int64(message.uint32(.lifetime) ?? Self.requestedLifetime) * 1000
            outputs.append(.allocated(relayed: relayed, mapped: mapped))
            let waiting = Array(permissions.keys)
            if !waiting.isEmpty { request(.permission(waiting), now: now) }
        case .refresh:
            expires = now + Int64(message.uint32(.lifetime) ?? Self.requestedLifetime) * 1000
        case .permission:
            break
        }
    }

    /// The ConnectionBind request for a new data connection (RFC 6062 §4.3), authenticated like
    /// the others; its success answer is checked with ``checkBindAnswer(_:request:)``.
    public func connectionBind(_ id: UInt32) -> (transactionID: [UInt8], bytes: [UInt8]) {
        var m = STUNMessage(method: .connectionBind, class: .request)
        m.appendUInt32(.connectionID, id)
        authenticate(&m)
        return (m.transactionID, m.encoded(integrityKey: key))
    }

    /// Whether `bytes` (the first message on a data connection) accept our ConnectionBind.
    public func checkBindAnswer(_ bytes: [UInt8], request transactionID: [UInt8]) throws(TURNError) {
        let m: STUNMessage
        do { m = try STUNMessage(parsing: bytes) } catch { throw .protocolViolation("\(error)") }
        guard m.method == .connectionBind, m.transactionID == transactionID else { throw .protocolViolation("not our ConnectionBind answer") }
        if m.class == .error {
            let (code, reason) = m.errorCode ?? (0, "")
            throw .refused(method: "ConnectionBind", code: code, reason: String(reason.prefix(120)))
        }
        guard m.class == .success, let key, (try? m.checkIntegrity(key: key)) != nil else {
            throw .protocolViolation("a ConnectionBind answer without valid integrity")
        }
    }

    /// Asks the server to drop the allocation (Refresh with lifetime 0); best effort.
    public mutating func release() -> [UInt8]? {
        guard relayed != nil, !isFailed else { return nil }
        var m = STUNMessage(method: .refresh, class: .request)
        m.appendUInt32(.lifetime, 0)
        authenticate(&m)
        isFailed = true
        return m.encoded(integrityKey: key)
    }

    private mutating func request(_ purpose: Purpose, now: Int64) {
        var m: STUNMessage
        switch purpose {
        case .allocate:
            m = STUNMessage(method: .allocate, class: .request)
            m.appendUInt32(.requestedTransport, 6 << 24)  // TCP, then three reserved bytes
            m.appendUInt32(.lifetime, Self.requestedLifetime)
        case .refresh:
            m = STUNMessage(method: .refresh, class: .request)
            m.appendUInt32(.lifetime, Self.requestedLifetime)
        case .permission(let ips):
            m = STUNMessage(method: .createPermission, class: .request)
            for ip in ips { if let p = permissions[ip] { m.appendXORAddress(.xorPeerAddress, p.address) } }
        }
        authenticate(&m)
        pending[m.transactionID] = (purpose, now)
        outputs.append(.send(m.encoded(integrityKey: key)))
    }

    private func authenticate(_ m: inout STUNMessage) {
        guard let realm, let nonce else { return }
        m.append(.username, Array(credentials.username.utf8))
        m.append(.realm, Array(realm.utf8))
        m.append(.nonce, nonce)
    }

    private mutating func fail(_ error: TURNError) {
        guard !isFailed else { return }
        isFailed = true
        pending = [:]
        outputs.append(.failed(error))
    }

    static func name(of purpose: Purpose) -> String {
        switch purpose {
        case .allocate: "Allocate"
        case .refresh: "Refresh"
        case .permission: "CreatePermission"
        }
    }
}
