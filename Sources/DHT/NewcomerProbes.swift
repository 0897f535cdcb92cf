import HeapModule

/// Newcomers that contacted us, waiting to be asked whether they are really there (§8.1: a node
/// is advertised only once it has answered us). The question waits ``delay``: a short-lived client
/// (one `put` and gone) is never confirmed, so it is never advertised nor counted by the "too
/// far" rule after it left, which is how OpenDHT behaves (it confirms nodes only through its own
/// traffic); a node that stays is confirmed within seconds. At most ``capacity`` wait, one per
/// address.
///
/// Complexity: O(log n) per newcomer.
struct NewcomerProbes {
    struct Probe: Comparable {
        var at: Int64
        var address: PeerAddress
        static func < (a: Probe, b: Probe) -> Bool { a.at < b.at }
        static func == (a: Probe, b: Probe) -> Bool { a.at == b.at && a.address == b.address }
    }

    static let delay: Int64 = 10_000
    static let capacity = 4_096
    private var queue = Heap<Probe>()
    private var queued: Set<PeerAddress> = []

    /// Schedules a probe of whoever holds `address` by then, unless one is already waiting.
    mutating func schedule(_ address: PeerAddress, now: Int64) {
        guard queued.count < Self.capacity, queued.insert(address).inserted else { return }
        queue.insert(Probe(at: now + Self.delay, address: address))
    }

    /// The probes whose time has come.
    mutating func due(now: Int64) -> [Probe] {
        var out: [Probe] = []
        while let p = queue.min, p.at <= now {
            _ = queue.removeMin()
            queued.remove(p.address)
            out.append(p)
        }
        return out
    }
}
