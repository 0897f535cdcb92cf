#if canImport(Glibc)
import Glibc
#endif

/// A clock the services read and sleep on.
public protocol ServiceClock: Sendable {
    /// Milliseconds since 1970 (virtual in the simulation).
    var unixMilliseconds: Int64 { get }
    /// Suspends for `duration`; throws `CancellationError` when the task is cancelled first.
    func sleep(for duration: Duration) async throws
}

/// The wall clock, and `Task.sleep`.
public struct SystemClock: ServiceClock {
    public init() {}

    public var unixMilliseconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

extension Duration {
    /// The duration in whole milliseconds (rounded down), as the DHT core and the virtual
    /// clock count time.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
