/// Values this node stores for others, with OpenDHT's policies (§5.1, §6.4, §7, §8.5): per-type
/// lifetime, 64 KiB per value, per-key count and byte quotas, and a total quota beyond which the
/// IP using the most storage loses its oldest values first.
///
/// Complexity: store and lookup are O(v) in the values under one key (usually a handful);
/// ``expire(now:)`` is O(total values) and runs at most once per second.
public struct Storage: Sendable {
    public struct Entry: Sendable {
        public var value: Value
        /// The value as sent on the wire, kept so replies do not re-encode it.
        public var packed: [UInt8]
        public var created: Int64
        public var expiresAt: Int64
        public var source: PeerAddress.IP
    }

    public enum StoreResult: Sendable, Equatable {
        case stored
        case edited
        case refreshed
        case rejected(String)
    }

    public private(set) var keys: [InfoHash: [Entry]] = [:]
    public private(set) var totalBytes = 0
    public private(set) var valueCount = 0
    private var bytesPerIP: [PeerAddress.IP: Int] = [:]
    private var nextExpiry: Int64 = .max
    let config: DHTConfig

    public init(config: DHTConfig) { self.config = config }

    /// Stores `value` under `key`, applying the type's and the node's policies.
    public mutating func store(_ key: InfoHash, _ incoming: Value, created: Int64, now: Int64, from source: PeerAddress) -> StoreResult {
        var value = incoming
        guard value.id != 0 else { return .rejected("value id 0") }
        guard value.payloadSize <= Value.maxPayloadSize else { return .rejected("value over 64 KiB") }
        if let reason = ValuePolicy.check(&value, sender: source) { return .rejected(reason) }
        let created = min(created, now)
        let expiresAt = created + config.lifetime(ofType: value.isEncrypted ? 0 : value.type)
        guard expiresAt > now else { return .rejected("already expired") }
        let packed = value.packed()
        let size = packed.count
        var entries = keys[key] ?? []
        if let i = entries.firstIndex(where: { $0.value.id == value.id }) {
            let old = entries[i]
            if old.packed == packed {
                entries[i].expiresAt = max(old.expiresAt, expiresAt)
                entries[i].created = max(old.created, created)
                keys[key] = entries
                return .refreshed
            }
            if let reason = config.validator?.rejection(of: value, under: key) { return .rejected(reason) }
            let mayEdit = config.validator?.mayReplace(old.value, with: value, under: key) ?? ValuePolicy.mayEdit(old.value, with: value)
            guard mayEdit else { return .rejected("edit not allowed") }
            account(old.source, -old.packed.count)
            entries[i] = Entry(value: value, packed: packed, created: created, expiresAt: expiresAt, source: source.ip)
            account(source.ip, size)
            keys[key] = entries
            nextExpiry = min(nextExpiry, expiresAt)
            return .edited
        }
        if let reason = config.validator?.rejection(of: value, under: key) { return .rejected(reason) }
        if entries.isEmpty && keys.count >= config.maxKeys { return .rejected("too many keys") }
        guard entries.count < config.maxValuesPerKey else { return .rejected("too many values under this key") }
        let keyBytes = entries.reduce(0) { $0 + $1.packed.count }
        guard keyBytes + size <= config.maxBytesPerKey else { return .rejected("key quota exceeded") }
        entries.append(Entry(value: value, packed: packed, created: created, expiresAt: expiresAt, source: source.ip))
        keys[key] = entries
        account(source.ip, size)
        valueCount += 1
        nextExpiry = min(nextExpiry, expiresAt)
        enforceTotalQuota(keeping: key, id: value.id)
        return keys[key]?.contains(where: { $0.value.id == value.id }) == true ? .stored : .rejected("storage full")
    }

    /// Extends the life of a stored value, as a `refresh` query asks. Returns false if unknown.
    public mutating func refresh(_ key: InfoHash, id: UInt64, now: Int64) -> Bool {
        guard var entries = keys[key], let i = entries.firstIndex(where: { $0.value.id == id }) else { return false }
        entries[i].created = now
        entries[i].expiresAt = now + config.lifetime(ofType: entries[i].value.isEncrypted ? 0 : entries[i].value.type)
        keys[key] = entries
        return true
    }

    public func entries(_ key: InfoHash) -> [Entry] { keys[key] ?? [] }

    /// Stored values under `key` matching the query's WHERE conditions.
    public func get(_ key: InfoHash, query: Query) -> [Entry] {
        guard let entries = keys[key] else { return [] }
        if query.conditions.isEmpty { return entries }
        return entries.filter { query.matches($0.value, ownerId: $0.value.owner.map { InfoHash.hashing($0) }) }
    }

    /// Removes values whose time has come; returns their ids per key.
    public mutating func expire(now: Int64) -> [(InfoHash, [UInt64])] {
        guard now >= nextExpiry else { return [] }
        var expired: [(InfoHash, [UInt64])] = []
        var next = Int64.max
        for (key, entries) in keys {
            var kept: [Entry] = []
            var gone: [UInt64] = []
            for e in entries {
                if e.expiresAt <= now {
                    gone.append(e.value.id)
                    account(e.source, -e.packed.count)
                    valueCount -= 1
                } else {
                    kept.append(e)
                    next = min(next, e.expiresAt)
                }
            }
            guard !gone.isEmpty else { continue }
            keys[key] = kept.isEmpty ? nil : kept
            expired.append((key, gone))
        }
        nextExpiry = next
        return expired
    }

    private mutating func account(_ ip: PeerAddress.IP, _ delta: Int) {
        totalBytes += delta
        let n = bytesPerIP[ip, default: 0] + delta
        bytesPerIP[ip] = n > 0 ? n : nil
    }

    /// Evicts the oldest values of the heaviest IP until under the total quota.
    private mutating func enforceTotalQuota(keeping key: InfoHash, id: UInt64) {
        while totalBytes > config.maxStorageBytes {
            guard let heaviest = bytesPerIP.max(by: { $0.value < $1.value })?.key else { return }
            var oldest: (InfoHash, Int, Int64)?
            for (k, entries) in keys {
                for (i, e) in entries.enumerated() where e.source == heaviest {
                    if oldest == nil || e.created < oldest!.2 { oldest = (k, i, e.created) }  // safe: checked non-nil
                }
            }
            guard let (k, i, _) = oldest else { return }
            let e = keys[k]![i]  // safe: index found just above
            account(e.source, -e.packed.count)
            valueCount -= 1
            keys[k]!.remove(at: i)  // safe: same
            if keys[k]!.isEmpty { keys[k] = nil }  // safe: same
        }
    }
}
