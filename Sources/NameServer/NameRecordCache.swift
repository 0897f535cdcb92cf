import Foundation
import Identity
import NameService
import NIOCore
import Synchronization

/// A record with its two lookup answers already encoded: records never change, so neither do
/// their answers, and a cache hit is served without touching JSON.
public struct CachedRecord: Sendable {
    public let record: NameRecord
    /// `GET /name/<name>` body.
    public let nameAnswer: ByteBuffer
    /// `GET /addr/<addr>` body.
    public let addressAnswer: ByteBuffer

    init(_ record: NameRecord) {
        self.record = record
        nameAnswer = ByteBuffer(bytes: JSONBody.encode(NameLookupResponse(record)))
        addressAnswer = ByteBuffer(bytes: JSONBody.encode(AddressLookupResponse(name: record.name)))
    }
}

/// Registered names never change, so a record read once stays true forever, even when other
/// instances share the database: caching found records is always correct. "Not found" answers
/// are not cached, since another instance may register the name a moment later.
///
/// Bounded: past `capacity` entries per map, the oldest inserted half is dropped (FIFO order is
/// kept by an insertion log). Lookups and inserts are O(1) amortized.
public final class NameRecordCache: Sendable {
    private struct State {
        var byName: [String: CachedRecord] = [:]
        var byAddress: [PublicKeyID: CachedRecord] = [:]
        var order: [NameRecord] = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    /// `capacity` 0 disables caching.
    public init(capacity: Int) {
        self.capacity = capacity
    }

    public func record(named name: String) -> CachedRecord? {
        capacity == 0 ? nil : state.withLock { $0.byName[name] }
    }

    public func record(for address: PublicKeyID) -> CachedRecord? {
        capacity == 0 ? nil : state.withLock { $0.byAddress[address] }
    }

    /// Caches `record` (encoding its answers outside the lock) and returns the cached form.
    @discardableResult
    public func insert(_ record: NameRecord) -> CachedRecord {
        let cached = CachedRecord(record)
        guard capacity > 0 else { return cached }
        return state.withLock { s in
            if let existing = s.byName[record.name] { return existing }
            if s.order.count >= capacity {
                let dropped = s.order.prefix(capacity / 2 + 1)
                for r in dropped {
                    s.byName[r.name] = nil
                    s.byAddress[r.address] = nil
                }
                s.order.removeFirst(dropped.count)
            }
            s.byName[record.name] = cached
            s.byAddress[record.address] = cached
            s.order.append(record)
            return cached
        }
    }
}
