/// What one listen operation has reported, and which storing nodes hold each value.
///
/// A value is reported expired only once no node that told us of it still holds it, as OpenDHT's
/// `OpValueCache` counts references: one node's expiry of an old copy must not hide the fresh copy
/// (same id, as a device re-announcing after a restart puts) that the other nodes hold. A node the
/// listen no longer runs on cannot tell us of expiry any more, so it stops counting as a holder
/// (``keepOnly(_:)``). Each call is O(values) for one operation; a key holds few values.
struct ListenCache {
    enum Holder: Hashable {
        /// Our own storage.
        case local
        /// A storing node of the search, by the id it answers with.
        case node(InfoHash)
    }

    private struct Entry {
        var hash: Int
        var holders: Set<Holder>
    }

    private var entries: [UInt64: Entry] = [:]

    var isEmpty: Bool { entries.isEmpty }

    /// Records that `holder` holds `value`; true when the value is new to the operation (by id or
    /// by content) and must be reported.
    mutating func add(_ value: Value, from holder: Holder) -> Bool {
        let hash = value.hashValue
        guard var entry = entries[value.id] else {
            entries[value.id] = Entry(hash: hash, holders: [holder])
            return true
        }
        entry.holders.insert(holder)
        let changed = entry.hash != hash
        entry.hash = hash
        entries[value.id] = entry
        return changed
    }

    /// `holder` no longer holds `id`; true when nobody does any more and the expiry must be reported.
    mutating func expire(_ id: UInt64, from holder: Holder) -> Bool {
        guard var entry = entries[id], entry.holders.remove(holder) != nil else { return false }
        if entry.holders.isEmpty {
            entries[id] = nil
            return true
        }
        entries[id] = entry
        return false
    }

    /// Forgets every node holder not in `nodes`; returns the ids nobody holds any more.
    mutating func keepOnly(_ nodes: Set<InfoHash>) -> [UInt64] {
        var gone: [UInt64] = []
        for (id, var entry) in entries {
            let before = entry.holders.count
            entry.holders = entry.holders.filter { h in
                if case .node(let n) = h { return nodes.contains(n) }
                return true
            }
            if entry.holders.isEmpty {
                entries[id] = nil
                gone.append(id)
            } else if entry.holders.count != before {
                entries[id] = entry
            }
        }
        return gone.sorted()
    }
}
