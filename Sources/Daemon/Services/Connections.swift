import Connectivity
import DaemonWire
import DHT
import ICE
import Identity
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NameService
import SecureDHT
import TURN

/// Peer sockets of this device (Jami's connection manager): one authenticated, multiplexed
/// socket per peer device, whichever side opened it, reused by every channel.
///
/// - Outgoing: the device's chain (validated up to its account, CRL checked) gives its key; our
///   ICE session listens first, then the request (fresh id) goes encrypted to
///   `H("peer:" + device)`; the answer must come within 30 s; TLS server, peer chain compared
///   with the one we validated.
/// - Incoming: cheap checks first (size, parse, duplicate id, pending cap), then the sender's
///   chain and the account policy, then our answer and ICE as the controlling side; TLS client.
/// - Channels the peer opens are accepted when a handler is registered for their name (by
///   prefix), declined otherwise.
///
/// State changes and failures are `connection.state` events with the reason.
public actor Connections {
    /// Requests from others being worked on at once; more are dropped (they retry).
    static let maxPendingIncoming = 32
    /// Request ids remembered against replays.
    static let maxSeenIDs = 4096
    static let answerTimeout: Duration = .seconds(30)
    /// Devices remembered (sockets and recent attempts); past it, the oldest idle ones are
    /// forgotten, so requests from many identities cannot grow the table without bound.
    static let maxEntries = 1024

    /// Milliseconds before the next attempt after `n` failures in a row: 2 s, doubling, 5 min at most.
    static func retryDelay(afterFailures n: Int) -> Int64 {
        min(2_000 << min(max(n - 1, 0), 16), 300_000)
    }

    public typealias ChannelHandler = @Sendable (PeerChannel, PeerDevice) async -> Void

    /// A verified peer device.
    public struct PeerDevice: Sendable, Equatable {
        public var account: PublicKeyID
        public var device: PublicKeyID
        /// The device's long id (SHA-256 of its key), which channel names carry; known for
        /// every socket (its certificate was checked), nil only where a caller has none.
        public var long: DeviceLongID?

        public init(account: PublicKeyID, device: PublicKeyID, long: DeviceLongID? = nil) {
            self.account = account
            self.device = device
            self.long = long
        }
    }

    /// What the daemon's configuration says about peer connections.
    public struct Settings: Sendable {
        /// Local addresses offered as candidates; nil: every non-loopback interface address.
        public var addresses: [String]?
        /// Whether devices of accounts that are not contacts may connect (Jami's default: yes,
        /// unless banned).
        public var allowNonContacts = true
        /// A TURN server (`host:port`) and its account, for a relay candidate on every attempt.
        public var turn: (server: String, credentials: TURNCredentials)?
        public init(addresses: [String]? = nil) { self.addresses = addresses }
    }

    struct Entry {
        var peer: PeerDevice?
        var state: API.PeerState
        var socket: PeerSocket?
        var pairKind: String?
        /// Milliseconds from our request (or answer) being put to the socket being ready.
        var setupMs: Int?
        /// Failed attempts in a row, and when the next one may start (ms since 1970).
        var failures = 0
        var retryAt: Int64?
        var reason: String?
        var since: Int64
        var outgoing: Bool
        var attempt: Task<PeerSocket, any Error>?
    }

    let context: AccountContext
    let node: SecureDHTNode
    let directory: DeviceDirectory
    let settings: Settings
    let isAllowed: @Sendable (_ account: PublicKeyID, _ incoming: Bool) async -> Bool
    let tls: NIOSSLContext
    let loop: any EventLoop
    var entries: [PublicKeyID: Entry] = [:]
    var waitingAnswers: [UInt64: (device: PublicKeyID, answer: CheckedContinuation<ICEDescription, any Error>)] = [:]
    var seenIDs: [UInt64] = []
    var seenSet: Set<UInt64> = []
    var pendingIncoming = 0
    let channels = ChannelRegistry()

    /// - Parameter isAllowed: the account policy for a peer account, for a connection it asks
    ///   for (`incoming`) or we ask for.
    public init(context: AccountContext, node: SecureDHTNode, directory: DeviceDirectory, settings: Settings,
                isAllowed: @escaping @Sendable (_ account: PublicKeyID, _ incoming: Bool) async -> Bool) throws(DaemonError) {
        self.context = context
        self.node = node
        self.directory = directory
        self.settings = settings
        self.isAllowed = isAllowed
        do {
            tls = try PeerTLS.context(for: context.device)
        } catch {
            throw DaemonError(.internal, "cannot build the TLS context: \(error)")
        }
        loop = PeerEventLoops.next()
    }

    /// Accepts channels whose name starts with `prefix`, handing each to `handler`.
    public nonisolated func register(prefix: String, _ handler: @escaping ChannelHandler) {
        channels.register(prefix: prefix, handler)
    }

    /// The devices of `account` we have an open socket to now.
    public func openDevices(of account: PublicKeyID) -> [PublicKeyID] {
        entries.compactMap { device, e in e.peer?.account == account && e.socket?.isOpen == true ? device : nil }
    }

    /// The socket to `device` if one is open now (no connection is attempted).
    public func openSocket(_ device: PublicKeyID) -> PeerSocket? {
        guard let s = entries[device]?.socket, s.isOpen else { return nil }
        return s
    }

    /// The socket to `device` (an existing one, or a new connection). Throws with the reason.
    ///
    /// After a failed attempt the next one waits: 2 s, doubling up to 5 minutes, reset by a
    /// socket that comes up (either way). The services above simply ask again when they need
    /// the device; a person asking (`rafiki peers connect`) passes `now: true` and skips the wait.
    public func connect(_ device: PublicKeyID, now: Bool = false) async throws(DaemonError) -> PeerSocket {
        if let s = entries[device]?.socket, s.isOpen { return s }
        let attempt: Task<PeerSocket, any Error>
        if let running = entries[device]?.attempt {
            attempt = running
        } else {
            if !now, let e = entries[device], let at = e.retryAt, context.scheduler.unixMilliseconds < at {
                let wait = (at - context.scheduler.unixMilliseconds + 999) / 1000
                throw DaemonError(.connectionFailed, "retrying in \(wait) s (last attempt: \(e.reason ?? "failed"))")
            }
            attempt = Task { try await self.dial(device) }
            update(device, .connecting, outgoing: true) { $0.attempt = attempt }
        }
        do {
            return try await attempt.value
        } catch let e as DaemonError {
            throw e
        } catch {
            throw .network("\(error)")
        }
    }

    /// Closes the socket to `device`, if any.
    public func disconnect(_ device: PublicKeyID) {
        entries[device]?.socket?.close()
        entries[device]?.attempt?.cancel()
    }

    public func stop() {
        for (_, e) in entries { e.socket?.close(); e.attempt?.cancel() }
        for (_, w) in waitingAnswers { w.answer.resume(throwing: ConnectivityError.cancelled) }
        waitingAnswers = [:]
    }

    func update(_ device: PublicKeyID, _ state: API.PeerState, outgoing: Bool? = nil, reason: String? = nil, _ change: (inout Entry) -> Void = { _ in }) {
        var e = entries[device] ?? Entry(state: state, since: context.scheduler.unixMilliseconds, outgoing: outgoing ?? false)
        let changed = e.state != state || reason != nil
        if e.state != state { e.since = context.scheduler.unixMilliseconds }
        switch state {
        case .failed:
            e.failures += 1
            e.retryAt = context.scheduler.unixMilliseconds + Self.retryDelay(afterFailures: e.failures)
        case .connected:
            e.failures = 0
            e.retryAt = nil
        case .connecting, .closed:
            break
        }
        e.state = state
        if let outgoing { e.outgoing = outgoing }
        if reason != nil || state == .connected { e.reason = reason }
        change(&e)
        entries[device] = e
        if entries.count > Self.maxEntries { forgetIdleEntries() }
        guard changed else { return }
        context.emit(.connectionState, peer: e.peer?.account) { ev in
            ev.device = device.hex
            ev.state = state.rawValue
            ev.detail = reason
        }
    }

    /// Drops the oldest entries without a socket or an attempt, down to three quarters of the
    /// cap (so this O(n log n) pass runs once per quarter of the cap of new devices).
    func forgetIdleEntries() {
        let idle = entries.filter { $0.value.socket == nil && $0.value.attempt == nil }.sorted { $0.value.since < $1.value.since }
        for (device, _) in idle.prefix(max(0, entries.count - Self.maxEntries * 3 / 4)) {
            entries[device] = nil
            channels.forget(device)
        }
    }

    /// Local addresses to offer: configured, or every interface's except loopback and
    /// link-local (jamid never offers loopback either).
    func localAddresses() -> [SocketAddress] {
        if let configured = settings.addresses {
            return configured.compactMap { try? SocketAddress(ipAddress: $0, port: 0) }
        }
        let devices = (try? System.enumerateDevices()) ?? []
        var seen = Set<String>()
        return devices.compactMap { d -> SocketAddress? in
            guard let a = d.address, let ip = a.ipAddress, seen.insert(ip).inserted else { return nil }
            if ip.hasPrefix("127.") || ip == "::1" || ip.lowercased().hasPrefix("fe80") { return nil }
            return try? SocketAddress(ipAddress: ip, port: 0)
        }
    }

    /// A relay for one attempt, when a TURN server is configured and answers within 3 s;
    /// nil otherwise (the attempt goes on with direct candidates, the reason is logged).
    func allocateRelay() async -> (TURNRelay, SocketAddress)? {
        guard let turn = settings.turn, let endpoint = try? ServerEndpoint(turn.server) else { return nil }
        let loop = self.loop, logger = context.logger
        let attempt = Task { () throws -> (TURNRelay, SocketAddress) in
            // getaddrinfo blocks: not on the actor or the loop.
            let address = try await Task.detached { try SocketAddress.makeAddressResolvingHost(endpoint.host.text, port: Int(endpoint.port)) }.value
            return try await TURNRelay.allocate(on: TURNRelay.Server(address: address, credentials: turn.credentials), loop: loop, logger: logger)
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(3))
            attempt.cancel()
        }
        defer { timeout.cancel() }
        do {
            return try await attempt.value
        } catch {
            context.logger.info("no TURN relay for this attempt", metadata: ["server": "\(turn.server)", "reason": "\(error)"])
            return nil
        }
    }

    /// Our address as DHT nodes see it, when it is none of ours: behind a NAT, the public
    /// address, offered as server-reflexive (jamid offers it the same way, `tcptype active`).
    func reflexiveAddresses(besides local: [SocketAddress]) async -> [SocketAddress] {
        let seen = (try? await node.statistics().publicAddresses) ?? nil
        let mine = Set(local.compactMap(\.ipAddress))
        return (seen ?? []).filter { !mine.contains($0) }.compactMap { try? SocketAddress(ipAddress: $0, port: 0) }
    }

    /// Rows for `GET /v1/accounts/{id}/peers`, by device id.
    public func list() async -> [API.Peer] {
        var rows: [API.Peer] = []
        for device in entries.keys.sorted(by: { $0.hex < $1.hex }) {
            if let row = await row(device) { rows.append(row) }
        }
        return rows
    }

    /// What the API shows of the socket (or last attempt) to `device`.
    public func row(_ device: PublicKeyID) async -> API.Peer? {
        guard let e = entries[device] else { return nil }
        var row = API.Peer(device: device.hex, account: e.peer?.account.hex, state: e.state, since: e.since)
        row.pair = e.pairKind
        row.setupMs = e.setupMs
        row.reason = e.reason
        row.direction = e.outgoing ? "outgoing" : "incoming"
        let declined = channels.declinedNames(of: device)
        if !declined.isEmpty { row.declined = declined }
        if let s = e.socket, s.isOpen, let (stats, channels) = try? await s.statistics {
            row.channels = channels
            row.bytesIn = stats.bytesIn
            row.bytesOut = stats.bytesOut
        }
        return row
    }
}
