import Testing
@testable import DHT

@Suite struct StorageTests {
    let a = PeerAddress(host: "127.0.0.1", port: 1)!
    let b = PeerAddress(host: "127.0.0.2", port: 1)!

    @Test func perTypeExpiry() {
        var s = Storage(config: DHTConfig())
        let k = InfoHash.hashing(key: "k")
        #expect(s.store(k, Value(id: 1, type: 5, data: [1]), created: 0, now: 0, from: a) == .stored)  // 1 min
        #expect(s.store(k, Value(id: 2, type: 4, data: [1]), created: 0, now: 0, from: a) == .stored)  // 7 days
        #expect(s.store(k, Value(id: 3, type: 77, data: [1]), created: 0, now: 0, from: a) == .stored)  // 10 min
        let gone = s.expire(now: 60_000)
        #expect(gone.first?.1 == [1])
        #expect(s.expire(now: 600_000).first?.1 == [3])
        #expect(s.entries(k).map(\.value.id) == [2])
    }

    @Test func unsignedValuesCannotBeEditedButRefresh() {
        var s = Storage(config: DHTConfig())
        let k = InfoHash.hashing(key: "k")
        #expect(s.store(k, Value(id: 1, data: [1]), created: 0, now: 0, from: a) == .stored)
        #expect(s.store(k, Value(id: 1, data: [1]), created: 10, now: 10, from: a) == .refreshed)
        if case .rejected = s.store(k, Value(id: 1, data: [2]), created: 10, now: 10, from: a) {} else { Issue.record("edit accepted") }
        #expect(s.entries(k).first?.value.data == [1])
    }

    @Test func signedEditsNeedSameOwnerAndHigherSeq() {
        var s = Storage(config: DHTConfig())
        let k = InfoHash.hashing(key: "k")
        var v = Value(id: 1, data: [1])
        v.owner = [1, 2, 3]; v.signature = [9]; v.seq = 1
        #expect(s.store(k, v, created: 0, now: 0, from: a) == .stored)
        var older = v; older.data = [2]; older.seq = 0
        if case .rejected = s.store(k, older, created: 0, now: 0, from: a) {} else { Issue.record("older seq accepted") }
        var other = v; other.owner = [4]; other.seq = 5
        if case .rejected = s.store(k, other, created: 0, now: 0, from: a) {} else { Issue.record("other owner accepted") }
        var newer = v; newer.data = [3]; newer.seq = 2
        #expect(s.store(k, newer, created: 0, now: 0, from: a) == .edited)
    }

    @Test func quotasEvictHeaviestIPOldestFirst() {
        var config = DHTConfig()
        config.maxStorageBytes = 2_000
        var s = Storage(config: config)
        for i in 1...10 {
            _ = s.store(.hashing(key: "a\(i)"), Value(id: UInt64(i), data: [UInt8](repeating: 1, count: 200)), created: Int64(i), now: Int64(i), from: a)
        }
        _ = s.store(.hashing(key: "b"), Value(id: 99, data: [UInt8](repeating: 1, count: 150)), created: 20, now: 20, from: b)
        #expect(s.totalBytes <= 2_000)
        #expect(s.entries(.hashing(key: "b")).count == 1)
        #expect(s.entries(.hashing(key: "a1")).isEmpty)
    }

    @Test func perKeyQuotaAndSizeLimit() {
        var config = DHTConfig()
        config.maxValuesPerKey = 2
        var s = Storage(config: config)
        let k = InfoHash.hashing(key: "k")
        _ = s.store(k, Value(id: 1, data: [1]), created: 0, now: 0, from: a)
        _ = s.store(k, Value(id: 2, data: [1]), created: 0, now: 0, from: a)
        if case .rejected = s.store(k, Value(id: 3, data: [1]), created: 0, now: 0, from: a) {} else { Issue.record("quota ignored") }
        if case .rejected = s.store(.hashing(key: "big"), Value(id: 1, data: [UInt8](repeating: 0, count: 65_537)), created: 0, now: 0, from: a) {} else { Issue.record("oversized accepted") }
    }

    @Test func serviceAnnouncementTakesObservedAddress() {
        var s = Storage(config: DHTConfig())
        let sockaddr: [UInt8] = [2, 0, 0x10, 0x7e, 10, 0, 0, 1] + [UInt8](repeating: 0, count: 8)
        #expect(s.store(.hashing(key: "svc"), Value(id: 1, type: 2, data: sockaddr), created: 0, now: 0, from: b) == .stored)
        #expect(s.entries(.hashing(key: "svc")).first?.value.data == [2, 0, 0x10, 0x7e, 127, 0, 0, 2] + [UInt8](repeating: 0, count: 8))
    }
}

@Suite struct RoutingTableTests {
    @Test func splitsOnlyTowardOwnIdAndFindsClosest() {
        let own = InfoHash.hashing(key: "me")
        var t = RoutingTable(ownId: own, family: .inet)
        var rng = DeterministicRNG(seed: 4)
        var inserted: [InfoHash] = []
        for i in 0..<500 {
            let id = InfoHash.random(using: &rng)
            let addr = PeerAddress(ip: .v4(0x7f00_0000 | UInt32(i + 2)), port: 4222)
            if t.insert(id: id, address: addr, now: 0, replied: true) == .inserted { inserted.append(id) }
        }
        #expect(t.buckets.allSatisfy { $0.nodes.count <= 8 })
        #expect(t.nodeCount == inserted.count)
        let target = InfoHash.random(using: &rng)
        let closest = t.closest(to: target, count: 8, goodOnly: true, now: 0)
        let brute = inserted.sorted { $0.distance(to: target) < $1.distance(to: target) }.prefix(8)
        #expect(closest.map(\.id) == Array(brute) || closest.count == 8)
        #expect(closest == closest.sorted { $0.id.distance(to: target) < $1.id.distance(to: target) })
    }

    @Test func goodnessNeedsAReply() {
        var t = RoutingTable(ownId: .hashing(key: "me"), family: .inet)
        let id = InfoHash.hashing(key: "x")
        t.insert(id: id, address: PeerAddress(host: "127.0.0.3", port: 9)!, now: 0, replied: false)
        #expect(t.goodNodeCount(now: 0) == 0)
        t.insert(id: id, address: PeerAddress(host: "127.0.0.3", port: 9)!, now: 1, replied: true)
        #expect(t.goodNodeCount(now: 1) == 1)
        #expect(t.goodNodeCount(now: 11 * 60_000) == 0)
    }

    @Test func martiansAreIgnored() {
        var t = RoutingTable(ownId: .hashing(key: "me"), family: .inet)
        #expect(t.insert(id: .hashing(key: "m"), address: PeerAddress(host: "0.1.2.3", port: 9)!, now: 0, replied: true) == .ignored)
        #expect(t.insert(id: .hashing(key: "m"), address: PeerAddress(host: "224.0.0.1", port: 9)!, now: 0, replied: true) == .ignored)
        #expect(t.insert(id: .hashing(key: "m"), address: PeerAddress(host: "127.0.0.1", port: 0)!, now: 0, replied: true) == .ignored)
    }
}

@Suite struct InfoHashTests {
    @Test func sha1OfKey() {
        #expect(InfoHash.hashing(key: "hello").hex == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        #expect(InfoHash.hashing(key: "demo").hex == "89e495e7941cf9e40e6980d14a16bf023ccd4c91")
    }

    @Test func hexRoundTripAndBits() {
        let h = InfoHash(hex: "8000000000000000000000000000000000000001")!
        #expect(h.hex == "8000000000000000000000000000000000000001")
        #expect(h.bit(0) && h.bit(159) && !h.bit(1))
        #expect(h.commonPrefixLength(with: .zero) == 0)
        #expect(InfoHash(hex: "xyz") == nil)
    }
}
