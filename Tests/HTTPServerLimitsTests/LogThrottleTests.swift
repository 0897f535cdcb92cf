import HTTPServerLimits
import Synchronization
import Testing

struct LogThrottleTests {
    final class Lines: Sendable { let counts = Mutex<[String: [Int]]>([:]) }

    @Test func aFloodIsOneLinePerIntervalWithItsCount() {
        let throttle = LogThrottle(interval: .seconds(10))
        let lines = Lines()
        let start = ContinuousClock.now
        func note(_ kind: String, at seconds: Int) {
            throttle.note(kind, now: start + .seconds(seconds)) { count in lines.counts.withLock { $0[kind, default: []].append(count) } }
        }
        for second in 0..<25 {
            for _ in 0..<100 { note("rate-limited", at: second) }
        }
        note("refused", at: 3)
        let counts = lines.counts.withLock { $0 }
        // At 0 s the first event; at 10 s and 20 s everything since the previous line.
        #expect(counts["rate-limited"] == [1, 1000, 1000])
        #expect(counts["refused"] == [1])
    }
}
