import HeapModule

/// How much of a shared resource each source uses (bytes stored, listener slots), and which source
/// uses the most, so a quota can take back from the heaviest user first (OpenDHT's storage policy,
/// applied here to every per-source cap).
///
/// Complexity: ``add(_:_:)`` is O(log n) for n sources; ``heaviest`` is amortized O(log n). The
/// max-heap is lazy: every change pushes the new figure, and stale figures are discarded when they
/// reach the top. It is rebuilt when stale entries outnumber live ones, so it holds at most
/// 2·n + 64 entries.
struct UsageLedger<Owner: Hashable & Sendable>: Sendable {
    private struct Mark: Comparable, Sendable {
        var usage: Int
        var owner: Owner
        static func < (a: Mark, b: Mark) -> Bool { a.usage < b.usage }
        static func == (a: Mark, b: Mark) -> Bool { a.usage == b.usage && a.owner == b.owner }
    }

    private(set) var usage: [Owner: Int] = [:]
    private var marks = Heap<Mark>()
    private(set) var total = 0

    /// Changes `owner`'s usage by `delta`; an owner at zero is forgotten.
    mutating func add(_ owner: Owner, _ delta: Int) {
        guard delta != 0 else { return }
        total += delta
        let n = usage[owner, default: 0] + delta
        usage[owner] = n > 0 ? n : nil
        if n > 0 { marks.insert(Mark(usage: n, owner: owner)) }
        if marks.count > 2 * usage.count + 64 {
            marks = Heap(usage.map { Mark(usage: $0.value, owner: $0.key) })
        }
    }

    subscript(owner: Owner) -> Int { usage[owner, default: 0] }

    /// The owner using the most, if any.
    var heaviest: Owner? {
        mutating get {
            while let top = marks.max {
                if usage[top.owner] == top.usage { return top.owner }
                _ = marks.removeMax()
            }
            return nil
        }
    }
}
