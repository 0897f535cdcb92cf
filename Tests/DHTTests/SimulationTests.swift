import Testing
@testable import DHT
@testable import DHTSimulation

/// The core in a deterministic virtual network.
@Suite struct SimulationTests {
    func network(nodes: Int, loss: Double = 0, seed: UInt64 = 7) -> VirtualNetwork {
        var s = VirtualNetwork.Settings()
        s.seed = seed
        s.lossRate = loss
        let net = VirtualNetwork(settings: s)
        var rng = DeterministicRNG(seed: seed)
        for i in 0..<nodes {
            let n = net.addNode()
            if i > 0 {
                let via = Int.random(in: 0..<i, using: &rng)
                net.with(n) { core, now in core.bootstrap(VirtualNetwork.address(of: via), now: now) }
            }
            net.run(for: 100)
        }
        net.run(for: 60_000)
        return net
    }

    @Test func putThenGetFromEveryNode() {
        let net = network(nodes: 60)
        var events: [(Int, DHTEvent)] = []
        net.onEvent = { events.append(($0, $1)) }
        let key = InfoHash.hashing(key: "sim")
        net.with(3) { core, now in _ = core.put(key, Value(id: 5, data: [1, 2, 3]), now: now) }
        net.run(for: 10_000)
        let stored = events.compactMap { e -> Int? in if case .putDone(_, let n) = e.1 { return n } else { return nil } }
        #expect(stored.count == 1 && stored[0] >= 6, "put acknowledged by \(stored)")
        var found = 0
        for i in 0..<60 {
            events.removeAll()
            net.with(i) { core, now in _ = core.get(key, now: now) }
            net.run(for: 10_000)
            if events.contains(where: { if case .values(_, let v) = $0.1 { return v.contains { $0.id == 5 } } else { return false } }) { found += 1 }
        }
        #expect(found == 60)
    }

    /// A permanent value outlives its type's 10-minute expiry: re-announcements refresh the nodes
    /// that already hold it (small `refresh` requests) instead of sending it again.
    @Test func permanentPutIsRefreshed() {
        let net = network(nodes: 30)
        let key = InfoHash.hashing(key: "permanent")
        let putter = 4
        net.with(putter) { core, now in _ = core.put(key, Value(id: 9, data: Array(repeating: 1, count: 300)), permanent: true, now: now) }
        net.run(for: 10_000)
        let putsAfterFirstRound = net.nodes[putter]?.statistics.putRequestsSent ?? 0
        net.run(for: 35 * 60_000)
        let stats = net.nodes[putter]?.statistics
        #expect((stats?.refreshRequestsSent ?? 0) >= 8, "refreshes: \(stats?.refreshRequestsSent ?? 0)")
        #expect((stats?.putRequestsSent ?? 0) - putsAfterFirstRound < (stats?.refreshRequestsSent ?? 0))
        var events: [(Int, DHTEvent)] = []
        net.onEvent = { events.append(($0, $1)) }
        net.with(17) { core, now in _ = core.get(key, now: now) }
        net.run(for: 10_000)
        #expect(events.contains { if case .values(_, let v) = $0.1 { return v.contains { $0.id == 9 } } else { return false } })
    }

    /// A put to a prepared key skips the lookup: it is acknowledged one round trip (at most
    /// 120 ms here) after it is made, where a cold put first walks to the closest nodes. The
    /// prepared search is dropped once its lifetime is over. Virtual time, so exact.
    @Test func preparedPutSkipsTheLookup() {
        let net = network(nodes: 60)
        var done: [Int64] = []
        net.onEvent = { _, e in if case .putDone = e { done.append(net.now) } }
        let warm = InfoHash.hashing(key: "prepared"), cold = InfoHash.hashing(key: "cold")
        net.with(3) { core, now in core.prepare(warm, now: now) }
        net.run(for: 2_000)
        var start = net.now
        net.with(3) { core, now in _ = core.put(warm, Value(id: 1, data: [1]), now: now) }
        net.run(for: 5_000)
        let preparedTime = done.first.map { $0 - start }
        start = net.now
        done.removeAll()
        net.with(3) { core, now in _ = core.put(cold, Value(id: 2, data: [2]), now: now) }
        net.run(for: 5_000)
        let coldTime = done.first.map { $0 - start }
        #expect(preparedTime.map { $0 <= 120 } == true, "prepared put took \(preparedTime ?? -1) ms")
        #expect(coldTime.map { $0 > 120 } == true, "cold put took \(coldTime ?? -1) ms")
        net.run(for: DHTConstants.preparedSearchLifetime + 2_000)
        #expect(net.nodes[3]?.searches[SearchKey(key: warm, family: .inet)] == nil)
    }

    @Test func sameSeedSameRun() {
        let a = network(nodes: 30, loss: 0.05, seed: 11)
        let b = network(nodes: 30, loss: 0.05, seed: 11)
        #expect(a.datagramsDelivered == b.datagramsDelivered)
        #expect(a.datagramsLost == b.datagramsLost)
        #expect(a.nodes.map { $0?.nodeId } == b.nodes.map { $0?.nodeId })
    }
}

/// Nodes that left without a word do not hold up operations: a get or put completes about a
/// second after the first unanswered request (as OpenDHT skips its "bad" candidates), not
/// after the ~7 s of retransmissions it takes to declare them dead.
@Suite struct DepartedNodeTests {
    @Test func operationsDoNotWaitForDepartedNodes() {
        var s = VirtualNetwork.Settings()
        s.seed = 11
        let net = VirtualNetwork(settings: s)
        for i in 0..<20 {
            let n = net.addNode()
            if i > 0 { net.with(n) { core, now in core.bootstrap(VirtualNetwork.address(of: 0), now: now) } }
            net.run(for: 100)
        }
        net.run(for: 60_000)
        let key = InfoHash.hashing(key: "departed")
        // Half the network leaves at once; the others' tables still list them as good.
        for i in stride(from: 1, to: 20, by: 2) { net.removeNode(i) }
        var done: [String: Int64] = [:]
        let start = net.now
        net.onEvent = { _, e in
            switch e {
            case .putDone: done["put"] = net.now - start
            case .getDone: done["get"] = net.now - start
            default: break
            }
        }
        net.with(2) { core, now in _ = core.put(key, Value(id: 3, data: [3]), now: now) }
        net.with(4) { core, now in _ = core.get(key, now: now) }
        net.run(for: 20_000)
        #expect((done["put"] ?? .max) < 4_000, "put took \(done["put"] ?? -1) ms of virtual time")
        #expect((done["get"] ?? .max) < 4_000, "get took \(done["get"] ?? -1) ms of virtual time")
    }
}
