import Glibc
import Synchronization

/// Something a client should know about, as sent on the event stream (`GET /v1/events`). One
/// flat JSON object per event; `type` says which fields are set (see docs/api.md).
public struct DaemonEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case registration
        case presence
        case requestReceived = "request.received"
        case requestSent = "request.sent"
        case contactAdded = "contact.added"
        case contactConfirmed = "contact.confirmed"
        case contactRemoved = "contact.removed"
        case deviceFound = "device.found"
        case connectionRefused = "connection.refused"
        /// A change could not be stored (`detail` says which); the daemon runs on without it.
        case storageFailed = "storage.failed"
    }

    public var type: Kind
    public var account: String
    /// Milliseconds since 1970.
    public var time: Int64
    public var peer: String?
    public var device: String?
    public var state: String?
    public var online: Bool?
    public var confirmed: Bool?
    public var banned: Bool?
    public var conversationId: String?
    public var displayName: String?
    public var detail: String?

    public init(_ type: Kind, account: String, peer: String? = nil) {
        self.type = type
        self.account = account
        self.peer = peer
        time = Int64((WallClock.unixNow * 1000).rounded())
    }
}

/// Fans events out to every subscriber. A subscriber that does not keep up loses its oldest
/// events (each stream buffers the newest 1,024), so a stuck client cannot grow the daemon.
public final class EventHub: Sendable {
    private let subscribers = Mutex<(next: Int, streams: [Int: AsyncStream<DaemonEvent>.Continuation])>((0, [:]))

    public init() {}

    public func subscribe() -> AsyncStream<DaemonEvent> {
        let (stream, continuation) = AsyncStream<DaemonEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = subscribers.withLock { s in
            s.next += 1
            s.streams[s.next] = continuation
            return s.next
        }
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { _ = $0.streams.removeValue(forKey: id) } }
        return stream
    }

    public func publish(_ event: DaemonEvent) {
        for c in subscribers.withLock({ Array($0.streams.values) }) { c.yield(event) }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.streams.count } }
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
