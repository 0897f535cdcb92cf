import Testing
@testable import DHT

/// A listen reports a value expired only when no storing node it listens on still holds it.
@Suite struct ListenCacheTests {
    let a = InfoHash.hashing(key: "a")
    let b = InfoHash.hashing(key: "b")

    @Test func oneHoldersExpiryDoesNotHideTheOthersCopy() {
        var cache = ListenCache()
        let value = Value(id: 7, data: [1])
        let steps = [cache.add(value, from: .node(a)), cache.add(value, from: .node(b)),
                     cache.expire(7, from: .node(a)), cache.expire(7, from: .node(b))]
        // New once; the second node's copy is not new; expired only when both are gone.
        #expect(steps == [true, false, false, true])
        #expect(cache.isEmpty)
    }

    /// A device re-announcing after a restart puts a new value under the old id: a node that still
    /// had the old copy expiring it must not report the fresh one gone.
    @Test func aStaleCopyExpiringKeepsTheFreshOne() {
        var cache = ListenCache()
        let steps = [cache.add(Value(id: 7, data: [1]), from: .node(a)), cache.add(Value(id: 7, data: [2]), from: .node(b)),
                     cache.expire(7, from: .node(a))]
        #expect(steps == [true, true, false], "new content under the same id is reported; the stale expiry is not")
        #expect(!cache.isEmpty)
    }

    @Test func expiryFromANodeThatNeverHeldItIsIgnored() {
        var cache = ListenCache()
        let steps = [cache.add(Value(id: 7, data: [1]), from: .node(a)), cache.expire(7, from: .node(b)),
                     cache.expire(8, from: .node(a)), cache.expire(7, from: .node(a))]
        #expect(steps == [true, false, false, true])
    }

    @Test func formerListenTargetsStopCounting() {
        var cache = ListenCache()
        _ = cache.add(Value(id: 1, data: [1]), from: .node(a))
        _ = cache.add(Value(id: 2, data: [2]), from: .node(a))
        _ = cache.add(Value(id: 2, data: [2]), from: .node(b))
        _ = cache.add(Value(id: 3, data: [3]), from: .local)
        let first = cache.keepOnly([b])
        let second = cache.keepOnly([])
        #expect(first == [1], "only what node a alone held goes")
        #expect(second == [2], "our own storage is no listen target and stays")
        let last = cache.expire(3, from: .local)
        #expect(last)
    }
}
