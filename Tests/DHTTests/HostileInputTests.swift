import Testing
@testable import DHT
import MessagePack

/// Bad datagrams are dropped and counted; the node keeps working and its storage is intact.
@Suite struct HostileInputTests {
    let peer = PeerAddress(host: "127.0.0.1", port: 5000)!

    func core(rateLimited: Bool = true) -> DHTCore {
        var c = DHTConfig()
        c.randomSeed = 2
        if !rateLimited { c.maxRequestsPerSecond = nil; c.maxRequestsPerSecondPerIP = nil }
        return DHTCore(config: c, now: 1_000_000)
    }

    @Test func garbageIsDroppedAndCounted() {
        let c = core(rateLimited: false)
        let inputs: [[UInt8]] = [
            [], [0x00], [0xc1, 0xc1], [0x81, 0xa1, 0x79, 0xa1, 0x71],  // query without q
            MessagePackValue.map([.init(.string("y"), .string("q")), .init(.string("q"), .string("nope")), .init(.string("a"), .map([.init(.string("id"), .binary([UInt8](repeating: 1, count: 20)))]))]).encoded,
            MessagePackValue.map([.init(.string("r"), .map([.init(.string("id"), .binary([1, 2, 3]))]))]).encoded,  // short id
            [UInt8](repeating: 0x91, count: 5000),  // deep nesting
            [0xdf, 0xff, 0xff, 0xff, 0xff],  // huge map header
        ]
        for i in inputs { c.receive(i, from: peer, now: 1_000_100) }
        #expect(c.statistics.droppedMalformed == inputs.count)
        #expect(c.takeOutputs().isEmpty)
    }

    @Test func badNodeListLengthRejectsMessage() {
        let c = core()
        let reply = MessagePackValue.map([
            .init(.string("r"), .map([.init(.string("id"), .binary(InfoHash.hashing(key: "p").bytes)), .init(.string("n4"), .binary([UInt8](repeating: 1, count: 27)))])),
            .init(.string("t"), .uint(1)), .init(.string("y"), .string("r")),
        ]).encoded
        c.receive(reply, from: peer, now: 1_000_100)
        #expect(c.statistics.droppedMalformed == 1)
    }

    @Test func foreignNetworkIsDropped() {
        let c = core()
        c.receive(MessageEncoder(nodeId: .hashing(key: "p"), network: 9).ping(tid: 1), from: peer, now: 1_000_100)
        #expect(c.statistics.droppedForeign == 1)
        #expect(c.takeOutputs().isEmpty)
    }

    @Test func floodIsRateLimitedBeforeDecoding() {
        let c = core()
        let ping = MessageEncoder(nodeId: .hashing(key: "p"), network: 0).ping(tid: 1)
        for _ in 0..<5000 { c.receive(ping, from: peer, now: 1_000_100) }
        #expect(c.statistics.droppedRateLimited == 5000 - 1024)
    }

    @Test func putWithWrongTokenIsRefusedAndStorageUntouched() throws {
        let c = core()
        let enc = MessageEncoder(nodeId: .hashing(key: "p"), network: 0)
        let v = Value(id: 3, data: [1]).packed()
        for d in enc.put(tid: 8, key: .hashing(key: "k"), packedValues: [v], created: nil, token: [0, 1, 2, 3]) {
            c.receive(d, from: peer, now: 1_000_100)
        }
        let replies = c.takeOutputs().compactMap { o -> WireMessage? in
            if case .send(let b, _) = o { return try? MessageParser.parse(b) } else { return nil }
        }
        let reply = try #require(replies.first { $0.kind != .query(.ping) })
        #expect(reply.kind == .error && reply.errorCode == 401)
        #expect(c.statistics.storedValues == 0)
    }

    /// Random corruptions of real query shapes: the node never traps and stays consistent.
    @Test func mutatedDatagramsNeverTrap() {
        let c = core(rateLimited: false)
        let enc = MessageEncoder(nodeId: .hashing(key: "p"), network: 0)
        let seeds = [
            enc.ping(tid: 1), enc.find(tid: 2, target: .hashing(key: "t"), want: [.inet, .inet6]),
            enc.get(tid: 3, key: .hashing(key: "k"), query: Query(select: [.id, .seqNum], where: [.valueType(3)]), want: nil),
            enc.listen(tid: 4, key: .hashing(key: "k"), token: [1], socketId: 9, query: Query()),
        ] + enc.put(tid: 5, key: .hashing(key: "k"), packedValues: [Value(id: 1, data: [UInt8](repeating: 1, count: 900)).packed()], created: 10, token: [1])
        var rng = DeterministicRNG(seed: 5)
        for n in 0..<30_000 {
            var b = seeds[n % seeds.count]
            for _ in 0..<Int(rng.next() % 3 + 1) {
                b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            c.receive(b, from: peer, now: 1_000_000 + Int64(n))
            _ = c.takeOutputs()
        }
        c.tick(now: 2_000_000)
        #expect(c.statistics.datagramsReceived == 30_000)
    }
}
