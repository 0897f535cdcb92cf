import HeapModule
import Scheduling
import Synchronization

/// The simulation's clock for the services: it reads the virtual network's time, and a sleep
/// is a timer the simulation fires when virtual time reaches it (in deadline order, ties in the
/// order the sleeps began).
public final class VirtualClock: ServiceClock {
    struct Timer: Comparable {
        var at: Int64
        var seq: UInt64
        static func < (a: Timer, b: Timer) -> Bool { a.at < b.at || (a.at == b.at && a.seq < b.seq) }
        static func == (a: Timer, b: Timer) -> Bool { a.at == b.at && a.seq == b.seq }
    }

    struct State {
        var now: Int64
        var seq: UInt64 = 0
        var heap = Heap<Timer>()
        var waiting: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state: Mutex<State>

    init(start: Int64) { state = Mutex(State(now: start)) }

    public var unixMilliseconds: Int64 { state.withLock { $0.now } }

    public func sleep(for duration: Duration) async throws {
        let ms = max(0, duration.wholeMilliseconds)
        let id = state.withLock { s -> UInt64 in
            s.seq += 1
            return s.seq
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { s -> Bool in
                    if Task.isCancelled { return true }
                    s.heap.insert(Timer(at: s.now + ms, seq: id))
                    s.waiting[id] = c
                    return false
                }
                if cancelled { c.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// When the next sleep ends; nil when nobody sleeps.
    var nextDeadline: Int64? {
        state.withLock { s in
            while let t = s.heap.min, s.waiting[t.seq] == nil { s.heap.removeMin() }  // cancelled ones
            return s.heap.min?.at
        }
    }

    /// Sets the time (never backwards).
    func set(_ time: Int64) { state.withLock { $0.now = max($0.now, time) } }

    /// Wakes the earliest sleeper due at the current time, if any; true when one was woken.
    func fireNext() -> Bool {
        let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            while let t = s.heap.min, t.at <= s.now {
                s.heap.removeMin()
                if let c = s.waiting.removeValue(forKey: t.seq) { return c }
            }
            return nil
        }
        c?.resume()
        return c != nil
    }
}
