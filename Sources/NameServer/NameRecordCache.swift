import Identity
import NameService
import Synchronization

/// Registered names never change, so a record read once stays true forever, even when other
/// instances share the database: caching found records is always correct. "Not found" answers
/// are not cached, since another instance may register the name a moment later.
///
/// Bounded: past `capacity` entries per map, the oldest inserted half is dropped (FIFO order is
/// kept by an insertion log). Lookups and inserts are O(1) amortized.
public final class NameRecordCache: Sendable {
    private struct State {
        var byName: [String: NameRecord] = [:]
        var byAddress: [PublicKeyID: NameRecord] = [:]
        var order: [NameRecord] = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    /// `capacity` 0 disables caching.
    public init(capacity: Int) {
        self.capacity = capacity
    }

    public func record(named name: String) -> NameRecord? {
        capacity == 0 ? nil : state.withLock { $0.byName[name] }
    }

    public func record(for address: PublicKeyID) -> NameRecord? {
        capacity == 0 ? nil : state.withLock { $0.byAddress[address] }
    }

    public func insert(_ record: NameRecord) {
        guard capacity > 0 else { return }
        state.withLock { s in
            guard s.byName[record.name] == nil else { return }
            if s.order.count >= capacity {
                let dropped = s.order.prefix(capacity / 2 + 1)
                for r in dropped {
                    s.byName[r.name] = nil
                    s.byAddress[r.address] = nil
                }
                s.order.removeFirst(dropped.count)
            }
            s.byName[record.name] = record
            s.byAddress[record.address] = record
            s.order.append(record)
        }
    }
}
