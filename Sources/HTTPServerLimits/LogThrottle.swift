import Synchronization

/// Keeps a flood of one kind of event from flooding the log: the first event of a kind is
/// logged at once, later ones at most once per `interval`, each line with the number of events
/// since the previous line. Kinds are a few fixed names (not client addresses), so the table
/// stays small; the count of a burst's tail shows up with the next line of that kind.
///
/// ```swift
/// throttle.note("rate-limited") { count in logger.notice("registrations rate-limited", metadata: ["count": "\(count)"]) }
/// ```
public final class LogThrottle: Sendable {
    private struct Kind {
        var lastLine: ContinuousClock.Instant
        var unlogged: Int
    }

    private let interval: Duration
    private let kinds = Mutex<[String: Kind]>([:])

    public init(interval: Duration = .seconds(10)) {
        self.interval = interval
    }

    /// Counts one event of `kind`; calls `log` with the count when a line is due.
    public func note(_ kind: String, now: ContinuousClock.Instant = .now, _ log: (_ count: Int) -> Void) {
        let due: Int? = kinds.withLock { kinds in
            guard var entry = kinds[kind] else {
                kinds[kind] = Kind(lastLine: now, unlogged: 0)
                return 1
            }
            entry.unlogged += 1
            defer { kinds[kind] = entry }
            guard now - entry.lastLine >= interval else { return nil }
            let count = entry.unlogged
            (entry.lastLine, entry.unlogged) = (now, 0)
            return count
        }
        if let due { log(due) }
    }
}
