import NIOCore
import STUN

/// One ICE-TCP session (RFC 8445 with RFC 6544), one component, without I/O.
///
/// Every TCP connection of the session is its own candidate pair: our active candidates
/// connect to the peer's passive ones (``Output/connect(_:from:to:)``), the peer's active ones
/// reach our passive listeners (``accepted(local:remote:now:)``). Both sides check every
/// connection with STUN Binding requests framed by RFC 4571; the controlling side nominates one
/// valid connection (regular nomination: a second check carrying USE-CANDIDATE), and that
/// connection becomes the session's transport. The driver closes the others when told.
///
/// Checks may reach us before the peer's description does (jamid starts checking as soon as it
/// has answered): they are answered at once, since they are signed with our own password, and
/// our triggered check follows when the description arrives.
///
/// Costs: O(1) per STUN packet (dictionary lookups by connection and transaction); O(pairs)
/// per ``tick(now:)``.
public struct ICEAgent: Sendable {
    public typealias ConnectionID = Int

    public enum Role: Sendable, Equatable { case controlling, controlled }

    public struct Config: Sendable, Equatable {
        /// How long one check waits for its answer (TCP does not retransmit).
        public var checkTimeout: Int64 = 5_000
        /// How long the whole session may take before it fails.
        public var sessionTimeout: Int64 = 30_000
        /// Controlling side: how long after the first valid connection better ones may still
        /// come before one is nominated.
        public var nominationDelay: Int64 = 500
        /// Spacing of new outgoing connections (RFC 8445's Ta).
        public var pacing: Int64 = 20
        /// Connections the peer may open to our listeners during one session.
        public var maxInbound = 16
        /// Binding indications on the selected connection, so middleboxes keep it (RFC 8445 §11).
        public var keepaliveInterval: Int64 = 15_000
        /// An outgoing connection that closes before its check succeeds is tried again this
        /// many times, ``retryDelay`` apart: a TURN server refuses a peer until the relay's
        /// owner has read our answer and created its permission, which may come after our
        /// first attempt.
        public var connectRetries = 3
        public var retryDelay: Int64 = 1_000
        public init() {}
    }

    /// What the driver must do.
    public enum Output: Sendable, Equatable {
        /// Open a TCP connection from `from`'s address (any port) to `to`; report it with
        /// ``connected(_:now:)`` or ``closed(_:now:)``.
        case connect(ConnectionID, from: ICECandidate, to: ICECandidate)
        /// Send one STUN message, framed, on a connection.
        case send(ConnectionID, [UInt8])
        /// Close a connection the session no longer needs.
        case close(ConnectionID)
        /// The session's transport is this connection. STUN packets on it still go to
        /// ``received(_:_:now:)``; everything else is the application's.
        case completed(ConnectionID, SelectedPair)
        case failed(ICEFailure)
    }

    public struct SelectedPair: Sendable, Equatable {
        public var local: ICECandidate
        public var remote: SocketAddress
        /// The pair's type as the API shows it: `host`, `srflx`, `prflx` or `relay`, of the
        /// less direct end.
        public var kind: ICECandidate.Kind
    }

    public let config: Config
    public internal(set) var role: Role
    let tieBreaker: UInt64
    public let local: ICEDescription
    var remote: ICEDescription?
    var connections: [ConnectionID: Connection] = [:]
    var transactions: [[UInt8]: ConnectionID] = [:]
    var waiting: [(ICECandidate, ICECandidate)] = []
    /// Pairs to try again, when (see ``Config/connectRetries``).
    var retrying: [(due: Int64, local: ICECandidate, remote: ICECandidate)] = []
    var retries: [String: Int] = [:]
    var nextConnection: ConnectionID = 1
    var nextPacing: Int64 = 0
    var firstValidAt: Int64?
    var nominating: ConnectionID?
    public internal(set) var selected: ConnectionID?
    var nextKeepalive: Int64 = .max
    var outputs: [Output] = []
    let startedAt: Int64
    public internal(set) var failure: ICEFailure?

    struct Connection: Sendable {
        var local: ICECandidate
        var remote: SocketAddress
        var remoteCandidate: ICECandidate?
        var outbound: Bool
        var open: Bool
        /// Our check in flight: its transaction, when sent, whether it nominates.
        var check: (id: [UInt8], sentAt: Int64, nominate: Bool)?
        var valid = false
        var failed = false
        var nominatedByPeer = false
        var peerPriority: UInt32 = 0
    }

    public init(role: Role, local: ICEDescription, tieBreaker: UInt64, config: Config = Config(), now: Int64) {
        self.role = role
        self.local = local
        self.tieBreaker = tieBreaker
        self.config = config
        self.startedAt = now
    }

    public mutating func takeOutputs() -> [Output] {
        defer { outputs.removeAll(keepingCapacity: true) }
        return outputs
    }

    public var isDone: Bool { selected != nil || failure != nil }

    /// The peer's description: outgoing connections start (paced), and checks that arrived
    /// before it get their triggered checks.
    public mutating func setRemote(_ description: ICEDescription, now: Int64) {
        guard remote == nil, !isDone else { return }
        remote = description
        var seen = Set<String>()
        let ours = local.candidates.filter { $0.tcpType != .passive && ($0.kind == .host || $0.kind == .relay) }
        let theirs = description.candidates.filter { $0.tcpType != .active && $0.address.port != 9 && $0.address.port != 0 }
        var pairs: [(ICECandidate, ICECandidate, UInt64)] = []
        for l in ours {
            for r in theirs where l.address.protocol == r.address.protocol {
                guard seen.insert("\(l.address.ipAddress ?? "")>\(r.address)").inserted else { continue }
                pairs.append((l, r, pairPriority(local: l.priority, remote: r.priority)))
            }
        }
        waiting = pairs.sorted { $0.2 > $1.2 }.map { ($0.0, $0.1) }
        nextPacing = now
        for (id, c) in connections where c.open && c.check == nil && !c.valid { sendCheck(on: id, now: now) }
        startConnections(now: now)
    }

    /// RFC 8445 §6.1.2.3.
    func pairPriority(local: UInt32, remote: UInt32) -> UInt64 {
        let (g, d) = role == .controlling ? (UInt64(local), UInt64(remote)) : (UInt64(remote), UInt64(local))
        return (min(g, d) << 32) + 2 * max(g, d) + (g > d ? 1 : 0)
    }

    mutating func startConnections(now: Int64) {
        while !waiting.isEmpty, now >= nextPacing, !isDone {
            let (l, r) = waiting.removeFirst()
            let id = nextConnection
            nextConnection += 1
            connections[id] = Connection(local: l, remote: r.address, remoteCandidate: r, outbound: true, open: false)
            outputs.append(.connect(id, from: l, to: r))
            nextPacing = now + config.pacing
        }
    }

    /// An outgoing connection is up: our check goes on it.
    public mutating func connected(_ id: ConnectionID, now: Int64) {
        guard !isDone, connections[id]?.open == false else { return }
        connections[id]!.open = true
        sendCheck(on: id, now: now)
    }

    /// The peer connected to one of our passive candidates (a listener, or a TURN relay).
    /// Returns the id of the new connection, nil when it is refused (the driver closes it).
    public mutating func accepted(local: ICECandidate, remote: SocketAddress, now: Int64) -> ConnectionID? {
        guard !isDone, connections.values.filter({ !$0.outbound }).count < config.maxInbound else { return nil }
        let id = nextConnection
        nextConnection += 1
        connections[id] = Connection(local: local, remote: remote, outbound: false, open: true)
        return id
    }

    /// A connection failed to open, or closed.
    public mutating func closed(_ id: ConnectionID, now: Int64) {
        guard let c = connections.removeValue(forKey: id) else { return }
        if let t = c.check { transactions[t.id] = nil }
        if nominating == id { nominating = nil }
        if c.outbound, !c.valid, selected == nil, let r = c.remoteCandidate {
            let key = "\(c.local.address.ipAddress ?? "")>\(r.address)"
            let n = retries[key, default: 0]
            if n < config.connectRetries {
                retries[key] = n + 1
                retrying.append((now + config.retryDelay, c.local, r))
            }
        }
        if selected == id {
            fail(.selectedConnectionClosed)
        } else {
            evaluate(now: now)
        }
    }

    /// When ``tick(now:)`` should next run.
    public var nextWakeup: Int64? {
        if failure != nil { return nil }
        if selected != nil { return nextKeepalive }
        var t = startedAt + config.sessionTimeout
        if !waiting.isEmpty { t = min(t, nextPacing) }
        if let r = retrying.map(\.due).min() { t = min(t, r) }
        for c in connections.values { if let k = c.check { t = min(t, k.sentAt + config.checkTimeout) } }
        if let f = firstValidAt, nominating == nil, role == .controlling { t = min(t, f + config.nominationDelay) }
        return t
    }

    public mutating func tick(now: Int64) {
        guard failure == nil else { return }
        if let s = selected {
            if now >= nextKeepalive {
                let indication = STUNMessage(method: .binding, class: .indication)
                outputs.append(.send(s, indication.encoded(fingerprint: true)))
                nextKeepalive = now + config.keepaliveInterval
            }
            return
        }
        if now >= startedAt + config.sessionTimeout {
            fail(.timeout)
            return
        }
        let due = retrying.filter { $0.due <= now }
        if !due.isEmpty {
            retrying.removeAll { $0.due <= now }
            waiting += due.map { ($0.local, $0.remote) }
        }
        startConnections(now: now)
        for (id, c) in connections {
            if let k = c.check, now >= k.sentAt + config.checkTimeout {
                transactions[k.id] = nil
                connections[id]!.check = nil
                connections[id]!.failed = true
                if nominating == id { nominating = nil }
                outputs.append(.close(id))
                connections[id] = nil
            }
        }
        evaluate(now: now)
    }

    public mutating func fail(_ reason: ICEFailure) {
        guard failure == nil else { return }
        failure = reason
        for id in connections.keys.sorted() { outputs.append(.close(id)) }
        connections = [:]
        transactions = [:]
        outputs.append(.failed(reason))
    }
}

/// Why an ICE session ended without a connection.
public enum ICEFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout
    /// Every pair was tried and failed, and the peer did not reach us.
    case noValidPair
    case selectedConnectionClosed
    case cancelled

    public var description: String {
        switch self {
        case .timeout: "ICE timed out"
        case .noValidPair: "no candidate pair worked"
        case .selectedConnectionClosed: "the selected connection closed"
        case .cancelled: "cancelled"
        }
    }
}
