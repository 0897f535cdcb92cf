import DHT
import DHTTransport
import Foundation

/// Put, get and listen-notification latency in a loopback network of our nodes (one process).
enum Latency {
    struct Result: Codable {
        var put_p50: Double, put_p99: Double, get_p50: Double, get_p99: Double, listen_p50: Double, listen_p99: Double
    }

    static func measure(nodes count: Int, keys: Int) async throws -> Result {
        var nodes: [DHTNode] = []
        for i in 0..<count {
            let node = try await DHTNode.start(DHTNode.Configuration(bindHost: "127.0.0.1", port: 0))
            if i > 0 { try await node.bootstrap([nodes[0].localAddress]) }
            nodes.append(node)
        }
        try await Task.sleep(for: .seconds(3))
        var rng = DeterministicRNG(seed: 1)
        var puts: [Double] = [], gets: [Double] = [], listens: [Double] = []
        for k in 0..<keys {
            let key = InfoHash.hashing(key: "bench-\(k)")
            let picked = Array(nodes.shuffled(using: &rng).prefix(3))
            let events = picked[2].listen(key)
            try await Task.sleep(for: .milliseconds(50))
            let clock = ContinuousClock()
            let start = clock.now
            let heard = Task {
                for await e in events { if case .added = e { return clock.now } }
                return clock.now
            }
            _ = try await picked[0].put(key, Value(id: UInt64(k + 1), data: Array(repeating: 0x78, count: 32)))
            puts.append(seconds(clock.now - start))
            let notified = await withTaskGroup(of: ContinuousClock.Instant?.self) { g in
                g.addTask { await heard.value }
                g.addTask { try? await Task.sleep(for: .seconds(10)); return nil }
                let r = await g.next() ?? nil
                g.cancelAll()
                return r
            }
            heard.cancel()
            listens.append(seconds((notified ?? clock.now) - start))
            let getStart = clock.now
            let firstValue = FirstValue()
            _ = try await picked[1].get(key) { _ in firstValue.mark(clock.now) }
            gets.append(seconds((firstValue.at ?? clock.now) - getStart))
        }
        for n in nodes { await n.shutdown() }
        return Result(put_p50: pct(puts, 0.5), put_p99: pct(puts, 0.99), get_p50: pct(gets, 0.5), get_p99: pct(gets, 0.99),
                      listen_p50: pct(listens, 0.5), listen_p99: pct(listens, 0.99))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func pct(_ s: [Double], _ p: Double) -> Double {
        let sorted = s.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000
    }
}

/// The time the first batch of values arrived.
final class FirstValue: @unchecked Sendable {
    // @unchecked: written once under the lock, read after the get returned.
    private let lock = NSLock()
    private(set) var at: ContinuousClock.Instant?
    func mark(_ t: ContinuousClock.Instant) { lock.withLock { if at == nil { at = t } } }
}
