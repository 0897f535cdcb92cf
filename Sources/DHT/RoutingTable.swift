/// A Kademlia routing table for one address family (§8.2): buckets of at most 8 nodes, each
/// covering an id prefix, with one cached replacement per bucket. A full bucket is split only if
/// it holds our own id (or, on bootstrap nodes, while shallower than 6 bits).
///
/// Complexity: locating a bucket is O(log B) (binary search over B ≤ 160 buckets); `closest` scans
/// every node, O(N·k) with N ≤ 8·B and k ≤ 14, which at these sizes beats keeping an index.
public struct RoutingTable: Sendable {
    public struct Bucket: Sendable {
        /// Smallest id in the bucket's range.
        public var lowerBound: InfoHash
        /// Number of leading bits all ids in the range share.
        public var depth: Int
        public var nodes: [RoutingNode] = []
        public var replacement: RoutingNode?
        /// Last time a node of this bucket was added or answered (ms).
        public var lastChanged: Int64

        func contains(_ id: InfoHash) -> Bool {
            depth == 0 || id.commonPrefixLength(with: lowerBound) >= depth
        }
    }

    /// What an insertion asks the caller to do.
    public enum InsertOutcome: Sendable, Equatable {
        case inserted
        case updated
        case ignored
        /// The bucket is full: the caller should ping this questionable node; the newcomer was cached.
        case pingQuestionable(RoutingNode)
    }

    public let ownId: InfoHash
    public let family: AddressFamily
    public private(set) var buckets: [Bucket]
    var splitsOtherBucketsUpToDepth = 0
    /// Nodes of one public /24 or /64 a bucket may hold (its replacement included).
    var maxPerSubnetPerBucket = 2
    /// Which id each address holds, nodes and replacements alike.
    private var byAddress: [PeerAddress: InfoHash] = [:]

    public init(ownId: InfoHash, family: AddressFamily, now: Int64 = 0) {
        self.ownId = ownId
        self.family = family
        buckets = [Bucket(lowerBound: .zero, depth: 0, lastChanged: now)]
    }

    public var nodeCount: Int { buckets.reduce(0) { $0 + $1.nodes.count } }

    public func goodNodeCount(now: Int64) -> Int {
        buckets.reduce(0) { $0 + $1.nodes.lazy.filter { $0.isGood(now: now) }.count }
    }

    /// Index of the bucket whose range holds `id`.
    public func bucketIndex(for id: InfoHash) -> Int {
        var lo = 0, hi = buckets.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if buckets[mid].lowerBound <= id { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    public func node(_ id: InfoHash) -> RoutingNode? {
        buckets[bucketIndex(for: id)].nodes.first { $0.id == id }
    }

    /// Records that `id` at `address` sent us a message (`replied`: it answered our request).
    ///
    /// Sybil rules (issue #13): one address holds one id, and a node that has answered us from an
    /// address is not displaced by a newcomer claiming it, nor moved by a message claiming its id
    /// from elsewhere; a bucket holds at most ``maxPerSubnetPerBucket`` nodes of one public /24
    /// (IPv4) or /64 (IPv6).
    @discardableResult
    public mutating func insert(id: InfoHash, address: PeerAddress, now: Int64, replied: Bool) -> InsertOutcome {
        guard id != ownId, !address.isMartian, address.family == family else { return .ignored }
        if let holder = byAddress[address], holder != id {
            if !replied, let h = anyNode(holder), h.isGood(now: now) { return .ignored }
            remove(holder)
        }
        while true {
            let b = bucketIndex(for: id)
            if let i = buckets[b].nodes.firstIndex(where: { $0.id == id }) {
                let known = buckets[b].nodes[i]
                if known.address != address {
                    if !replied && known.isGood(now: now) { return .ignored }
                    byAddress[known.address] = nil
                    byAddress[address] = id
                    buckets[b].nodes[i].address = address
                }
                buckets[b].nodes[i].lastHeard = now
                if replied {
                    buckets[b].nodes[i].lastReplied = now
                    buckets[b].nodes[i].isExpired = false
                    buckets[b].nodes[i].authErrors = 0
                    buckets[b].lastChanged = now
                }
                return .updated
            }
            if !address.isLocalOrPrivate && subnetCount(address.subnet, inBucket: b, excluding: id) >= maxPerSubnetPerBucket {
                return .ignored
            }
            let fresh = RoutingNode(id: id, address: address, lastHeard: now, lastReplied: replied ? now : .distantPast)
            if buckets[b].nodes.count < DHTConstants.bucketSize {
                place(fresh, inBucket: b, at: nil)
                return .inserted
            }
            if let i = buckets[b].nodes.firstIndex(where: { $0.isExpired }) {
                place(fresh, inBucket: b, at: i)
                return .inserted
            }
            let mayGrow = buckets[b].contains(ownId) || buckets[b].depth < splitsOtherBucketsUpToDepth
            if mayGrow && buckets[b].depth < 159 {
                split(b, now: now)
                continue
            }
            setReplacement(fresh, inBucket: b)
            if let q = buckets[b].nodes.first(where: { !$0.isGood(now: now) }) { return .pingQuestionable(q) }
            return .ignored
        }
    }

    /// Marks `id` as unreachable; a cached replacement takes its place.
    public mutating func markExpired(_ id: InfoHash) {
        let b = bucketIndex(for: id)
        guard let i = buckets[b].nodes.firstIndex(where: { $0.id == id }) else { return }
        if let r = buckets[b].replacement {
            unindex(buckets[b].nodes[i])
            buckets[b].nodes[i] = r
            buckets[b].replacement = nil
        } else {
            buckets[b].nodes[i].isExpired = true
        }
    }

    /// Counts a 401 from `id`; after 3 the node is expired.
    public mutating func recordAuthError(_ id: InfoHash) {
        let b = bucketIndex(for: id)
        guard let i = buckets[b].nodes.firstIndex(where: { $0.id == id }) else { return }
        buckets[b].nodes[i].authErrors &+= 1
        if buckets[b].nodes[i].authErrors > DHTConstants.maxAuthErrors { markExpired(id) }
    }

    /// Up to `count` nodes closest to `target`, nearest first.
    public func closest(to target: InfoHash, count: Int, goodOnly: Bool, now: Int64) -> [RoutingNode] {
        var best: [(InfoHash, RoutingNode)] = []
        best.reserveCapacity(count + 1)
        for bucket in buckets {
            for n in bucket.nodes where !n.isExpired && (!goodOnly || n.isGood(now: now)) {
                let d = n.id.distance(to: target)
                if best.count == count, let last = best.last, !(d < last.0) { continue }
                let at = best.firstIndex { d < $0.0 } ?? best.count
                best.insert((d, n), at: at)
                if best.count > count { best.removeLast() }
            }
        }
        return best.map(\.1)
    }

    /// Drops expired nodes that have been silent for longer than the expiry time.
    public mutating func removeDeadNodes(now: Int64) {
        for b in buckets.indices {
            for n in buckets[b].nodes where n.isExpired && now - n.lastHeard > DHTConstants.nodeExpireTime { unindex(n) }
            buckets[b].nodes.removeAll { $0.isExpired && now - $0.lastHeard > DHTConstants.nodeExpireTime }
        }
    }

    /// A random id inside bucket `index`'s range, for refreshing it.
    public func randomId<G: RandomNumberGenerator>(inBucket index: Int, using rng: inout G) -> InfoHash {
        let bucket = buckets[index]
        var id = InfoHash.random(using: &rng)
        for bit in 0..<bucket.depth { id = id.settingBit(bit, to: bucket.lowerBound.bit(bit)) }
        return id
    }

    private mutating func split(_ b: Int, now: Int64) {
        let depth = buckets[b].depth
        let upperLower = buckets[b].lowerBound.settingBit(depth, to: true)
        var low = Bucket(lowerBound: buckets[b].lowerBound, depth: depth + 1, lastChanged: now)
        var high = Bucket(lowerBound: upperLower, depth: depth + 1, lastChanged: now)
        for n in buckets[b].nodes {
            if n.id.bit(depth) { high.nodes.append(n) } else { low.nodes.append(n) }
        }
        if let r = buckets[b].replacement {
            if r.id.bit(depth) { high.replacement = r } else { low.replacement = r }
        }
        buckets.replaceSubrange(b...b, with: [low, high])
    }
}

extension RoutingTable {
    /// The node or cached replacement with this id.
    func anyNode(_ id: InfoHash) -> RoutingNode? {
        let b = bucketIndex(for: id)
        if let n = buckets[b].nodes.first(where: { $0.id == id }) { return n }
        return buckets[b].replacement?.id == id ? buckets[b].replacement : nil
    }

    /// The id held by `address`, if any.
    func holder(of address: PeerAddress) -> InfoHash? { byAddress[address] }

    /// Forgets `id`, whether a node or a replacement.
    mutating func remove(_ id: InfoHash) {
        let b = bucketIndex(for: id)
        if let i = buckets[b].nodes.firstIndex(where: { $0.id == id }) {
            unindex(buckets[b].nodes.remove(at: i))
        } else if let r = buckets[b].replacement, r.id == id {
            unindex(r)
            buckets[b].replacement = nil
        }
    }

    private func subnetCount(_ subnet: PeerAddress.Subnet, inBucket b: Int, excluding id: InfoHash) -> Int {
        var n = buckets[b].nodes.reduce(0) { $0 + ($1.id != id && $1.address.subnet == subnet ? 1 : 0) }
        if let r = buckets[b].replacement, r.id != id, r.address.subnet == subnet { n += 1 }
        return n
    }

    private mutating func place(_ node: RoutingNode, inBucket b: Int, at slot: Int?) {
        if let slot {
            unindex(buckets[b].nodes[slot])
            buckets[b].nodes[slot] = node
        } else {
            buckets[b].nodes.append(node)
        }
        if let r = buckets[b].replacement, r.id == node.id {
            unindex(r)
            buckets[b].replacement = nil
        }
        byAddress[node.address] = node.id
        buckets[b].lastChanged = node.lastHeard
    }

    private mutating func setReplacement(_ node: RoutingNode, inBucket b: Int) {
        if let old = buckets[b].replacement { unindex(old) }
        buckets[b].replacement = node
        byAddress[node.address] = node.id
    }

    private mutating func unindex(_ node: RoutingNode) {
        if byAddress[node.address] == node.id { byAddress[node.address] = nil }
    }

    /// Clears the "heard" time of a node that was only reported by others.
    mutating func forgetHeard(_ id: InfoHash) {
        let b = bucketIndex(for: id)
        guard let i = buckets[b].nodes.firstIndex(where: { $0.id == id }) else { return }
        buckets[b].nodes[i].lastHeard = .distantPast
    }
}
