import HeapModule

/// Nodes listening to keys we store (§2.6, §8.6): each is kept 10 minutes after its last `listen`
/// and told of new, changed, refreshed and expired values with `update` queries.
///
/// A listener is one (address, socket id) pair under a key. The caps are shared fairly, so fake
/// node ids from one socket or one host cannot squat a key (issue #13):
/// - one address holds at most ``maxPerKeyPerAddress`` listeners of a key; beyond that its own
///   oldest one makes room (a node that restarted its search, or a squatter replacing itself);
/// - when a key (or the whole table) is full, the source IP holding the most of it gives up its
///   oldest listener, unless the newcomer's IP is that heaviest one: then the newcomer is refused.
///
/// Complexity: add is O(k) in the listeners of the key (k ≤ ``maxPerKey``) plus O(log L)
/// amortized for the global share; ``expire(now:)`` is O(L) and runs once per second.
struct RemoteListeners {
    struct Listener: Equatable {
        var nodeId: InfoHash
        var address: PeerAddress
        var socketId: UInt32
        var query: Query
        var expiresAt: Int64
        /// Arrival order, unique; lets the global heap recognise listeners that are gone.
        var stamp: UInt64
    }

    enum AddOutcome: Equatable {
        case added
        case refreshed
        case refused(String)
    }

    private struct Ref: Comparable {
        var stamp: UInt64
        var key: InfoHash
        static func < (a: Ref, b: Ref) -> Bool { a.stamp < b.stamp }
    }

    private(set) var byKey: [InfoHash: [Listener]] = [:]
    private(set) var count = 0
    private var shares = UsageLedger<PeerAddress.IP>()
    private var oldestByIP: [PeerAddress.IP: Heap<Ref>] = [:]
    private var refs = 0
    private var nextStamp: UInt64 = 1
    let maxPerKey: Int
    let maxTotal: Int
    let maxPerKeyPerAddress: Int

    init(maxPerKey: Int, maxTotal: Int, maxPerKeyPerAddress: Int = 8) {
        self.maxPerKey = max(1, maxPerKey)
        self.maxTotal = max(1, maxTotal)
        self.maxPerKeyPerAddress = max(1, maxPerKeyPerAddress)
    }

    /// Adds or refreshes a listener, making room fairly when a cap is reached.
    mutating func add(key: InfoHash, nodeId: InfoHash, address: PeerAddress, socketId: UInt32, query: Query, now: Int64) -> AddOutcome {
        let expiresAt = now + DHTConstants.remoteListenerLifetime
        var list = byKey[key] ?? []
        if let i = list.firstIndex(where: { $0.address == address && $0.socketId == socketId }) {
            list[i].nodeId = nodeId
            list[i].query = query
            list[i].expiresAt = expiresAt
            byKey[key] = list
            return .refreshed
        }
        let mine = list.indices.filter { list[$0].address == address }
        if mine.count >= maxPerKeyPerAddress, let oldest = mine.min(by: { list[$0].stamp < list[$1].stamp }) {
            drop(list.remove(at: oldest))
        } else if list.count >= maxPerKey {
            guard let victim = fairVictim(in: list, newcomer: address.ip) else { return .refused("listener slots of this key are full") }
            drop(list.remove(at: victim))
        }
        if count >= maxTotal {
            byKey[key] = list.isEmpty ? nil : list
            guard evictHeaviestGlobally(newcomer: address.ip) else { return .refused("listener slots are full") }
            list = byKey[key] ?? []
        }
        let listener = Listener(nodeId: nodeId, address: address, socketId: socketId, query: query, expiresAt: expiresAt, stamp: nextStamp)
        nextStamp += 1
        list.append(listener)
        byKey[key] = list
        count += 1
        shares.add(address.ip, 1)
        oldestByIP[address.ip, default: Heap()].insert(Ref(stamp: listener.stamp, key: key))
        refs += 1
        compactIfStale()
        return .added
    }

    func listeners(_ key: InfoHash) -> [Listener] { byKey[key] ?? [] }

    /// How many listeners `ip` holds in all.
    func share(of ip: PeerAddress.IP) -> Int { shares[ip] }

    mutating func expire(now: Int64) {
        for (key, list) in byKey {
            let kept = list.filter { $0.expiresAt > now }
            guard kept.count != list.count else { continue }
            for l in list where l.expiresAt <= now { drop(l) }
            byKey[key] = kept.isEmpty ? nil : kept
        }
    }

    // MARK: Fair eviction

    /// The oldest listener of the IP holding the most of `list`, if that IP is not the newcomer's
    /// and holds more than the newcomer would.
    private func fairVictim(in list: [Listener], newcomer: PeerAddress.IP) -> Int? {
        var perIP: [PeerAddress.IP: Int] = [:]
        for l in list { perIP[l.address.ip, default: 0] += 1 }
        guard let (heaviest, n) = perIP.max(by: { $0.value < $1.value }), heaviest != newcomer,
              n > perIP[newcomer, default: 0] + 1 else { return nil }
        return list.indices.filter { list[$0].address.ip == heaviest }.min { list[$0].stamp < list[$1].stamp }
    }

    private mutating func evictHeaviestGlobally(newcomer: PeerAddress.IP) -> Bool {
        guard let heaviest = shares.heaviest, heaviest != newcomer, shares[heaviest] > shares[newcomer] + 1 else { return false }
        while let ref = oldestByIP[heaviest]?.popMin() {
            guard var list = byKey[ref.key], let i = list.firstIndex(where: { $0.stamp == ref.stamp }) else { continue }
            drop(list.remove(at: i))
            byKey[ref.key] = list.isEmpty ? nil : list
            return true
        }
        return false
    }

    /// Accounts for a listener that left its list (the caller updates `byKey`).
    private mutating func drop(_ l: Listener) {
        count -= 1
        shares.add(l.address.ip, -1)
        if shares[l.address.ip] == 0 { oldestByIP[l.address.ip] = nil }
    }

    private mutating func compactIfStale() {
        guard refs > 2 * count + 1024 else { return }
        var fresh: [PeerAddress.IP: [Ref]] = [:]
        for (key, list) in byKey {
            for l in list { fresh[l.address.ip, default: []].append(Ref(stamp: l.stamp, key: key)) }
        }
        oldestByIP = fresh.mapValues { Heap($0) }
        refs = count
    }
}
