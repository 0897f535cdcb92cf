import DaemonWire
import Glibc
import Synchronization

/// Fans events out to every subscriber. A subscriber that does not keep up loses its oldest
/// events (each stream buffers the newest 1,024), so a stuck client cannot grow the daemon.
public final class EventHub: Sendable {
    private struct State {
        var next = 0
        var streams: [Int: AsyncStream<DaemonEvent>.Continuation] = [:]
        var counters: [Int: AsyncStream<Int>.Continuation] = [:]

        /// Tells every counter watcher the new number of subscribers.
        func announce() { for c in counters.values { c.yield(streams.count) } }
    }
    private let subscribers = Mutex(State())

    public init() {}

    public func subscribe() -> AsyncStream<DaemonEvent> {
        let (stream, continuation) = AsyncStream<DaemonEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = subscribers.withLock { s in
            s.next += 1
            s.streams[s.next] = continuation
            s.announce()
            return s.next
        }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { s in
                s.streams.removeValue(forKey: id)
                s.announce()
            }
        }
        return stream
    }

    /// The number of subscribers now, then each time it changes: lets a client (or a test) know
    /// that a stream it opened is subscribed, without polling `/v1/status`.
    public func subscriberCounts() -> AsyncStream<Int> {
        let (stream, continuation) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = subscribers.withLock { s in
            s.next += 1
            s.counters[s.next] = continuation
            continuation.yield(s.streams.count)
            return s.next
        }
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { _ = $0.counters.removeValue(forKey: id) } }
        return stream
    }

    public func publish(_ event: DaemonEvent) {
        for c in subscribers.withLock({ Array($0.streams.values) }) { c.yield(event) }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.streams.count } }
}

extension DaemonEvent {
    /// An event that happens now (wall clock).
    init(_ type: Kind, account: String, peer: String? = nil) {
        self.init(type, account: account, peer: peer, time: WallClock.unixMilliseconds)
    }
}

enum WallClock {
    /// Seconds since 1970 (wall clock), for records and events.
    static var unixNow: Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static var unixSeconds: Int64 { Int64(unixNow) }

    static var unixMilliseconds: Int64 { Int64((unixNow * 1000).rounded()) }
}
