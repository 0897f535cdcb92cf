/// What a node knows of another node: address and liveness (§8.1).
public struct RoutingNode: Sendable, Equatable {
    public var id: InfoHash
    public var address: PeerAddress
    /// Last time anything was received from it (ms), or `.distantPast`.
    public var lastHeard: Int64
    /// Last time it answered one of our requests (ms), or `.distantPast`.
    public var lastReplied: Int64
    /// Set when a request to it went unanswered after every retransmission.
    public var isExpired = false
    /// 401 answers received in a row.
    public var authErrors: UInt8 = 0

    public init(id: InfoHash, address: PeerAddress, lastHeard: Int64 = .distantPast, lastReplied: Int64 = .distantPast) {
        self.id = id
        self.address = address
        self.lastHeard = lastHeard
        self.lastReplied = lastReplied
    }

    /// Answered within 2 h, heard within 10 min, and not expired: only such nodes are advertised.
    public func isGood(now: Int64) -> Bool {
        !isExpired && lastReplied != .distantPast && now - lastReplied <= DHTConstants.nodeGoodTime
            && now - lastHeard <= DHTConstants.nodeExpireTime
    }

    var compact: WireMessage.NodeEntry { .init(id: id, address: address) }
}
