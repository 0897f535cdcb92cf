/// Identifies a search: one per key and address family (§8.3).
public struct SearchKey: Sendable, Hashable {
    public var key: InfoHash
    public var family: AddressFamily
}

/// Which step of a search a request serves.
enum SearchRequest: Equatable {
    /// A lookup (`find`, or `get` for a get operation's query).
    case lookup(getOp: OperationID?)
    case put(valueId: UInt64)
    case listen
}

/// The state of one lookup: up to 14 candidates sorted by distance, the operations riding on it,
/// and per-node progress. The logic that drives it lives in `DHTCore+Search.swift`.
struct Search {
    struct Node {
        var id: InfoHash
        var address: PeerAddress
        /// Last time it answered a find/get with a token (ms).
        var lastSynced: Int64 = .distantPast
        var token: [UInt8] = []
        var inFlight: Set<UInt32> = []
        /// Requests that went unanswered once (the node is a weaker candidate meanwhile).
        var slow: Set<UInt32> = []
        var failed = false
        /// When its requests went unanswered to the last retransmission; a node heard from
        /// since (restarted, or back on the network) is asked again, so a long-lived search
        /// (a listen, a permanent put) returns to it instead of leaving it out for good.
        var timedOutAt: Int64?
        var answeredGets: Set<OperationID> = []
        var acked: Set<UInt64> = []
        /// Values this node acknowledged in an earlier round: re-announcing them sends a small
        /// `refresh` instead of the whole value, as OpenDHT does.
        var stored: Set<UInt64> = []
        var listenSocket: UInt32?
        var listenRefreshAt: Int64 = .distantPast

        func isSynced(now: Int64) -> Bool {
            !failed && lastSynced != .distantPast && now - lastSynced < DHTConstants.searchSyncTime
        }

        var freshInFlight: Int { inFlight.subtracting(slow).count }

        /// Never answered in this search and already late once (~1 s): most likely gone. Like
        /// OpenDHT's "bad" candidates, it does not hold up a get or a put meanwhile; it still
        /// counts if it answers after all.
        var isUnresponsive: Bool { lastSynced == .distantPast && answeredGets.isEmpty && !slow.isEmpty }
    }

    struct GetOp {
        var id: OperationID
        var query: Query
        var seen: Set<UInt64> = []
        var started: Int64
    }

    struct PutOp {
        var id: OperationID
        var value: Value
        var packed: [UInt8]
        var created: Int64
        var permanent: Bool
        var reported = false
        var announcedAt: Int64 = .distantPast
        var nextAnnounce: Int64 = .distantPast
    }

    struct ListenOp {
        var id: OperationID
        var query: Query
    }

    let key: SearchKey
    var nodes: [Node] = []
    var gets: [GetOp] = []
    var puts: [PutOp] = []
    var listens: [ListenOp] = []
    /// The nodes the listens run on as of the last step: the only ones (with our own storage)
    /// whose values a listen counts as held (``DHTCore/forgetFormerHolders(_:)``).
    var listenTargets: Set<InfoHash> = []
    /// A lookup with no operation, run to refresh the routing table; removed once synced.
    var isMaintenance = false
    /// Set by ``DHTCore/prepare(_:now:)``: kept synced, even with no operation, until then.
    var keepUntil: Int64 = .distantPast
    /// When a long-lived search next looks at the routing table for closer nodes.
    var refreshAt: Int64 = .distantPast
    var lastActivity: Int64

    init(key: SearchKey, now: Int64) {
        self.key = key
        self.lastActivity = now
    }

    var isIdle: Bool { gets.isEmpty && puts.isEmpty && listens.isEmpty }

    /// Adds a candidate if it is among the 14 closest known; returns whether it was added.
    @discardableResult
    mutating func addCandidate(id: InfoHash, address: PeerAddress) -> Bool {
        if let i = nodes.firstIndex(where: { $0.id == id }) {
            if nodes[i].failed && nodes[i].address != address {
                nodes[i].address = address
                nodes[i].failed = false
            }
            return false
        }
        let d = id.distance(to: key.key)
        let at = nodes.firstIndex { d < $0.id.distance(to: key.key) } ?? nodes.count
        let liveBefore = nodes[..<at].lazy.filter { !$0.failed }.count
        guard liveBefore < DHTConstants.searchNodes else { return false }
        nodes.insert(Node(id: id, address: address), at: at)
        // Only live nodes count toward the 14: failed ones give way first, farthest first,
        // so a search can route around nodes that left the network.
        while nodes.count > DHTConstants.searchNodes {
            if let f = nodes.lastIndex(where: { $0.failed && $0.inFlight.isEmpty }) {
                nodes.remove(at: f)
            } else {
                nodes.removeLast()
            }
        }
        return true
    }

    func index(of id: InfoHash) -> Int? { nodes.firstIndex { $0.id == id } }

    /// The first `count` nodes that have not failed, nearest first.
    func closestLive(_ count: Int) -> [Node] {
        Array(nodes.lazy.filter { !$0.failed }.prefix(count))
    }

    /// The first `count` nodes that have neither failed nor gone silent: those an operation waits for.
    func closestResponsive(_ count: Int) -> [Node] {
        Array(nodes.lazy.filter { !$0.failed && !$0.isUnresponsive }.prefix(count))
    }
}
