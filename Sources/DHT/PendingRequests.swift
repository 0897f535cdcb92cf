import HeapModule

/// Requests awaiting a reply, with retransmission (§8.7): up to 3 sends, waiting about 1 s, 2 s,
/// then 4 s (plus up to 250 ms of jitter) before declaring the node unreachable.
///
/// Complexity: add/complete O(log n); due requests come off a min-heap.
struct PendingRequests {
    enum Purpose: Equatable {
        case ping
        /// A ping the user asked for; its answer (or silence) is reported as an event.
        case userPing(OperationID)
        case search(SearchKey, SearchRequest)
        case update
    }

    struct Request {
        var nodeId: InfoHash?
        var address: PeerAddress
        var method: WireMessage.QueryMethod
        var datagrams: [[UInt8]]
        var attempts: Int
        var deadline: Int64
        var purpose: Purpose
    }

    private(set) var requests: [UInt32: Request] = [:]
    /// Pings in flight per address.
    private var pings: [PeerAddress: Int] = [:]
    private var deadlines = Heap<Deadline>()

    private struct Deadline: Comparable {
        var at: Int64
        var tid: UInt32
        static func < (a: Deadline, b: Deadline) -> Bool { a.at < b.at || (a.at == b.at && a.tid < b.tid) }
    }

    var count: Int { requests.count }
    var nextDeadline: Int64? { deadlines.min?.at }

    static func wait<G: RandomNumberGenerator>(afterAttempt n: Int, rng: inout G) -> Int64 {
        (Int64(500) << Int64(n)) + Int64.random(in: 0...250, using: &rng)
    }

    mutating func add(tid: UInt32, _ request: Request) {
        if let old = requests[tid] { forget(old) }
        requests[tid] = request
        if request.method == .ping { pings[request.address, default: 0] += 1 }
        deadlines.insert(Deadline(at: request.deadline, tid: tid))
    }

    /// Removes and returns the request a reply from `address` with `tid` answers.
    mutating func complete(tid: UInt32, from address: PeerAddress) -> Request? {
        guard let r = requests[tid], r.address == address else { return nil }
        requests[tid] = nil
        forget(r)
        return r
    }

    func request(_ tid: UInt32) -> Request? { requests[tid] }

    /// Whether a ping to `address` awaits its answer.
    func isPinging(_ address: PeerAddress) -> Bool { pings[address] != nil }

    mutating func cancel(tid: UInt32) {
        if let r = requests.removeValue(forKey: tid) { forget(r) }
    }

    private mutating func forget(_ r: Request) {
        guard r.method == .ping, let n = pings[r.address] else { return }
        pings[r.address] = n > 1 ? n - 1 : nil
    }

    /// Pops requests whose deadline passed. Each comes back with `attempts` already counted;
    /// the caller resends (and calls `rearm`) or gives up.
    mutating func due(now: Int64) -> [(UInt32, Request)] {
        var out: [(UInt32, Request)] = []
        while let d = deadlines.min, d.at <= now {
            _ = deadlines.removeMin()
            if let r = requests[d.tid], r.deadline == d.at { out.append((d.tid, r)) }
        }
        return out
    }

    mutating func rearm(tid: UInt32, _ request: Request) {
        requests[tid] = request
        deadlines.insert(Deadline(at: request.deadline, tid: tid))
    }
}
