/// Nodes listening to keys we store (§2.6, §8.6): each is kept 10 minutes after its last `listen`
/// and told of new, changed, refreshed and expired values with `update` queries.
struct RemoteListeners {
    struct Listener: Equatable {
        var nodeId: InfoHash
        var address: PeerAddress
        var socketId: UInt32
        var query: Query
        var expiresAt: Int64
    }

    private(set) var byKey: [InfoHash: [Listener]] = [:]
    private(set) var count = 0
    let maxPerKey: Int
    let maxTotal: Int

    init(maxPerKey: Int, maxTotal: Int) {
        self.maxPerKey = maxPerKey
        self.maxTotal = maxTotal
    }

    /// Adds or refreshes a listener. Returns false when a quota refuses it.
    mutating func add(key: InfoHash, nodeId: InfoHash, address: PeerAddress, socketId: UInt32, query: Query, now: Int64) -> (accepted: Bool, isNew: Bool) {
        var list = byKey[key] ?? []
        let expiresAt = now + DHTConstants.remoteListenerLifetime
        if let i = list.firstIndex(where: { $0.nodeId == nodeId && $0.address == address }) {
            list[i].socketId = socketId
            list[i].query = query
            list[i].expiresAt = expiresAt
            byKey[key] = list
            return (true, false)
        }
        guard list.count < maxPerKey, count < maxTotal else { return (false, false) }
        list.append(Listener(nodeId: nodeId, address: address, socketId: socketId, query: query, expiresAt: expiresAt))
        byKey[key] = list
        count += 1
        return (true, true)
    }

    func listeners(_ key: InfoHash) -> [Listener] { byKey[key] ?? [] }

    mutating func expire(now: Int64) {
        for (key, list) in byKey {
            let kept = list.filter { $0.expiresAt > now }
            guard kept.count != list.count else { continue }
            count -= list.count - kept.count
            byKey[key] = kept.isEmpty ? nil : kept
        }
    }
}
