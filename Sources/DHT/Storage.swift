import HeapModule
import OrderedCollections

/// Values this node stores for others, with OpenDHT's policies (§5.1, §6.4, §7, §8.5): per-type
/// lifetime, 64 KiB per value, per-key count and byte quotas, and a total quota beyond which the
/// IP using the most storage loses its oldest values first.
///
/// Complexity, for n stored values, s source IPs and v values under the key concerned:
/// - store, edit and refresh: O(log n + log s) amortized; lookup of one value O(1);
/// - each eviction at the total quota: O(log n + log s) amortized, plus O(v) to close the gap
///   the value leaves in its key's ordered list;
/// - ``expire(now:)``: O(log n) per expired value, nothing when none is due;
/// - ``get(_:query:)``: O(v).
/// Eviction and expiry come off lazy heaps (an item is live while the value it names still has
/// the same stamp and times); heaps are rebuilt when stale items outnumber live ones, so memory
/// stays O(n).
public struct Storage: Sendable {
    public struct Entry: Sendable {
        public var value: Value
        /// The value as sent on the wire, kept so replies do not re-encode it.
        public var packed: [UInt8]
        public var created: Int64
        public var expiresAt: Int64
        public var source: PeerAddress.IP
        /// Unique per stored version, so heap items can tell whether they are stale.
        var stamp: UInt64
    }

    public enum StoreResult: Sendable, Equatable {
        case stored
        case edited
        case refreshed
        case rejected(String)
    }

    /// The values under one key, in arrival order (replies list them in that order).
    struct Slot: Sendable {
        var entries: OrderedDictionary<UInt64, Entry> = [:]
        var bytes = 0
    }

    /// A heap item naming one stored version of a value, ordered by `at`.
    struct Mark: Comparable, Sendable {
        var at: Int64
        var stamp: UInt64
        var key: InfoHash
        var id: UInt64
        static func < (a: Mark, b: Mark) -> Bool { a.at < b.at || (a.at == b.at && a.stamp < b.stamp) }
        static func == (a: Mark, b: Mark) -> Bool { a.at == b.at && a.stamp == b.stamp }
    }

    private(set) var slots: [InfoHash: Slot] = [:]
    public private(set) var valueCount = 0
    private var ledger = UsageLedger<PeerAddress.IP>()
    /// Per source IP, its values by creation time: the eviction order.
    private var oldestBySource: [PeerAddress.IP: Heap<Mark>] = [:]
    private var expiries = Heap<Mark>()
    private var ageMarks = 0
    private var nextStamp: UInt64 = 1
    let config: DHTConfig

    public init(config: DHTConfig) { self.config = config }

    public var keyCount: Int { slots.count }
    /// Items in the eviction and expiry heaps, live and stale (for tests of the bound above).
    var heapItems: Int { oldestBySource.values.reduce(expiries.count) { $0 + $1.count } }
    public var totalBytes: Int { ledger.total }

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
        if let old = slots[key]?.entries[value.id] {
            if old.packed == packed {
                var e = old
                e.expiresAt = max(old.expiresAt, expiresAt)
                e.created = max(old.created, created)
                put(e, under: key, replacing: old)
                return .refreshed
            }
            if let reason = config.validator?.rejection(of: value, under: key) { return .rejected(reason) }
            let mayEdit = config.validator?.mayReplace(old.value, with: value, under: key) ?? ValuePolicy.mayEdit(old.value, with: value)
            guard mayEdit else { return .rejected("edit not allowed") }
            put(makeEntry(value, packed, created, expiresAt, source.ip), under: key, replacing: old)
            return .edited
        }
        if let reason = config.validator?.rejection(of: value, under: key) { return .rejected(reason) }
        let slot = slots[key]
        if slot == nil && slots.count >= config.maxKeys { return .rejected("too many keys") }
        guard (slot?.entries.count ?? 0) < config.maxValuesPerKey else { return .rejected("too many values under this key") }
        guard (slot?.bytes ?? 0) + packed.count <= config.maxBytesPerKey else { return .rejected("key quota exceeded") }
        put(makeEntry(value, packed, created, expiresAt, source.ip), under: key, replacing: nil)
        enforceTotalQuota()
        return slots[key]?.entries[value.id] != nil ? .stored : .rejected("storage full")
    }

    /// Extends the life of a stored value, as a `refresh` query asks. Returns false if unknown.
    public mutating func refresh(_ key: InfoHash, id: UInt64, now: Int64) -> Bool {
        guard let old = slots[key]?.entries[id] else { return false }
        var e = old
        e.created = now
        e.expiresAt = now + config.lifetime(ofType: e.value.isEncrypted ? 0 : e.value.type)
        put(e, under: key, replacing: old)
        return true
    }

    public func entries(_ key: InfoHash) -> [Entry] { slots[key].map { Array($0.entries.values) } ?? [] }

    /// The stored version of value `id` under `key`.
    public func entry(_ key: InfoHash, id: UInt64) -> Entry? { slots[key]?.entries[id] }

    /// Stored values under `key` matching the query's WHERE conditions.
    public func get(_ key: InfoHash, query: Query) -> [Entry] {
        guard let slot = slots[key] else { return [] }
        if query.conditions.isEmpty { return Array(slot.entries.values) }
        return slot.entries.values.filter { query.matches($0.value, ownerId: $0.value.owner.map { InfoHash.hashing($0) }) }
    }

    /// Removes values whose time has come; returns their ids per key, keys in expiry order.
    public mutating func expire(now: Int64) -> [(InfoHash, [UInt64])] {
        var expired: OrderedDictionary<InfoHash, [UInt64]> = [:]
        while let due = expiries.min, due.at <= now {
            _ = expiries.removeMin()
            guard let e = slots[due.key]?.entries[due.id], e.stamp == due.stamp, e.expiresAt == due.at else { continue }
            remove(due.key, id: due.id)
            expired[due.key, default: []].append(due.id)
        }
        return expired.map { ($0.key, $0.value) }
    }

    // MARK: Bookkeeping

    private mutating func makeEntry(_ value: Value, _ packed: [UInt8], _ created: Int64, _ expiresAt: Int64, _ source: PeerAddress.IP) -> Entry {
        defer { nextStamp += 1 }
        return Entry(value: value, packed: packed, created: created, expiresAt: expiresAt, source: source, stamp: nextStamp)
    }

    /// Puts `entry` in place of `old` (or as a new value), keeping quotas and heaps in step.
    private mutating func put(_ new: Entry, under key: InfoHash, replacing old: Entry?) {
        var entry = new
        if let old {
            ledger.add(old.source, -old.packed.count)
            if ledger[old.source] == 0 { oldestBySource[old.source] = nil }
            slots[key]?.bytes -= old.packed.count
            if entry.stamp == old.stamp {
                // Same version with new times: a new stamp makes the old heap items stale.
                entry.stamp = nextStamp
                nextStamp += 1
            }
        } else {
            valueCount += 1
        }
        slots[key, default: Slot()].entries[entry.value.id] = entry
        slots[key]?.bytes += entry.packed.count
        ledger.add(entry.source, entry.packed.count)
        let mark = Mark(at: entry.created, stamp: entry.stamp, key: key, id: entry.value.id)
        oldestBySource[entry.source, default: Heap()].insert(mark)
        expiries.insert(Mark(at: entry.expiresAt, stamp: entry.stamp, key: key, id: entry.value.id))
        ageMarks += 1
        compactIfStale()
    }

    private mutating func remove(_ key: InfoHash, id: UInt64) {
        guard let e = slots[key]?.entries.removeValue(forKey: id) else { return }
        valueCount -= 1
        ledger.add(e.source, -e.packed.count)
        if ledger[e.source] == 0 { oldestBySource[e.source] = nil }
        slots[key]?.bytes -= e.packed.count
        if slots[key]?.entries.isEmpty == true { slots[key] = nil }
    }

    /// Evicts the oldest values of the heaviest IP until under the total quota.
    private mutating func enforceTotalQuota() {
        while ledger.total > config.maxStorageBytes {
            guard let heaviest = ledger.heaviest else { return }
            guard let mark = oldestBySource[heaviest]?.popMin() else {
                // Every mark was stale: this cannot happen while the IP has bytes stored, but a
                // bookkeeping slip must not loop forever.
                return
            }
            guard let e = slots[mark.key]?.entries[mark.id], e.stamp == mark.stamp else { continue }
            remove(mark.key, id: mark.id)
        }
    }

    /// Rebuilds the heaps from the live values once stale items outnumber them.
    private mutating func compactIfStale() {
        guard ageMarks > 2 * valueCount + 1024 else { return }
        var bySource: [PeerAddress.IP: [Mark]] = [:]
        var due: [Mark] = []
        due.reserveCapacity(valueCount)
        for (key, slot) in slots {
            for e in slot.entries.values {
                bySource[e.source, default: []].append(Mark(at: e.created, stamp: e.stamp, key: key, id: e.value.id))
                due.append(Mark(at: e.expiresAt, stamp: e.stamp, key: key, id: e.value.id))
            }
        }
        oldestBySource = bySource.mapValues { Heap($0) }
        expiries = Heap(due)
        ageMarks = valueCount
    }
}
