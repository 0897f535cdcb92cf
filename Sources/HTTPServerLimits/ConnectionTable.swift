import DequeModule
import NIOCore
import Synchronization

/// The open connections of one server, and the bound on them (``ConnectionLimits``): a new
/// connection over the global or the per-IP bound takes the place of the connection that has
/// waited longest without a request in progress; when there is none, it is refused (closed at once).
///
/// Connections report whether they are waiting (``setWaiting(_:_:)``). The waiting ones are kept
/// in the order they started waiting, so finding the oldest is O(1) amortized: entries are
/// appended when a connection starts waiting and skipped when they no longer match, and the queue
/// is compacted when stale entries outnumber live ones. The per-IP choice scans that IP's
/// connections, at most `maxConnectionsPerIP`. Closing happens outside the lock.
public final class ConnectionTable: Sendable {
    /// A connection's place in the table.
    public struct Ticket: Hashable, Sendable {
        let id: UInt64
    }

    private struct Entry {
        let channel: any Channel
        let ip: String?
        /// Set while the connection waits: the order in which it started waiting.
        var waitingSince: UInt64?
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var byIP: [String: Set<UInt64>] = [:]
        var waiting: Deque<(id: UInt64, since: UInt64)> = []
        var next: UInt64 = 0
    }

    let limits: ConnectionLimits
    /// Told of every refusal, eviction and timeout, from any thread.
    let onEvent: @Sendable (ConnectionEvent) -> Void
    private let state = Mutex(State())

    /// - Parameters:
    ///   - perIP: whether the per-IP bound applies (off behind a proxy, where every peer is the proxy).
    ///   - onEvent: told of every refusal, eviction and timeout (from any thread).
    public init(limits: ConnectionLimits, perIP: Bool = true, onEvent: @escaping @Sendable (ConnectionEvent) -> Void = { _ in }) {
        var limits = limits
        if !perIP { limits.maxConnectionsPerIP = 0 }
        self.limits = limits
        self.onEvent = onEvent
    }

    /// Open connections.
    public var count: Int { state.withLock { $0.entries.count } }

    /// Takes `channel` in as waiting, closing the connection it replaces if any; nil when it was
    /// refused (and closed).
    public func admit(_ channel: any Channel) -> Ticket? {
        let ip = channel.remoteAddress?.ipAddress
        let (ticket, evicted) = state.withLock { state -> (Ticket?, [any Channel]) in
            var evicted: [any Channel] = []
            if limits.maxConnectionsPerIP > 0, let ip, let mine = state.byIP[ip], mine.count >= limits.maxConnectionsPerIP {
                guard let victim = Self.oldestWaiting(among: mine, in: state) else { return (nil, []) }
                evicted += Self.remove(victim, from: &state)
            }
            if state.entries.count >= limits.maxConnections {
                guard let victim = Self.popOldestWaiting(&state) else { return (nil, evicted) }
                evicted += Self.remove(victim, from: &state)
            }
            let id = state.next
            state.next += 1
            state.entries[id] = Entry(channel: channel, ip: ip, waitingSince: nil)
            if let ip { state.byIP[ip, default: []].insert(id) }
            Self.markWaiting(id, true, in: &state)
            return (Ticket(id: id), evicted)
        }
        for victim in evicted {
            Self.close(victim)
            onEvent(.evicted)
        }
        if ticket == nil {
            channel.close(promise: nil)
            onEvent(.refused)
        }
        return ticket
    }

    /// Whether the connection is waiting (idle, or receiving a head) or has a request in progress.
    public func setWaiting(_ ticket: Ticket, _ waiting: Bool) {
        state.withLock { Self.markWaiting(ticket.id, waiting, in: &$0) }
    }

    /// Forgets a closed connection (again harmless).
    public func remove(_ ticket: Ticket) {
        state.withLock { Self.remove(ticket.id, from: &$0) }
    }

    /// Closes a connection the limits gave up on. Input first: Hummingbird takes a connection
    /// whose input closed before a request for an ordinary hang-up, where a plain close would be
    /// logged as an error for each connection (a flood of log lines under attack).
    static func close(_ channel: any Channel) {
        channel.close(mode: .input, promise: nil)
        channel.close(promise: nil)
    }

    private static func markWaiting(_ id: UInt64, _ waiting: Bool, in state: inout State) {
        guard let entry = state.entries[id], (entry.waitingSince != nil) != waiting else { return }
        if waiting {
            let since = state.next
            state.next += 1
            state.entries[id]?.waitingSince = since
            state.waiting.append((id, since))
            if state.waiting.count > 2 * state.entries.count + 64 {
                state.waiting = Deque(state.waiting.filter { state.entries[$0.id]?.waitingSince == $0.since })
            }
        } else {
            state.entries[id]?.waitingSince = nil
        }
    }

    private static func popOldestWaiting(_ state: inout State) -> UInt64? {
        while let first = state.waiting.popFirst() {
            if state.entries[first.id]?.waitingSince == first.since { return first.id }
        }
        return nil
    }

    private static func oldestWaiting(among ids: Set<UInt64>, in state: State) -> UInt64? {
        ids.compactMap { id in state.entries[id]?.waitingSince.map { (id, $0) } }.min { $0.1 < $1.1 }?.0
    }

    /// Removes the entry; its queue entry goes stale and is skipped later.
    @discardableResult
    private static func remove(_ id: UInt64, from state: inout State) -> [any Channel] {
        guard let entry = state.entries.removeValue(forKey: id) else { return [] }
        if let ip = entry.ip {
            state.byIP[ip]?.remove(id)
            if state.byIP[ip]?.isEmpty == true { state.byIP[ip] = nil }
        }
        return [entry.channel]
    }
}
