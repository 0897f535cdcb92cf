import Testing
@testable import DHT

/// Parts that overtake each other, or their header, still make the value: datagrams are
/// reordered on the Internet (and in the simulation always), and a certificate travels as parts.
@Suite struct PartOrderTests {
    let peer = PeerAddress(host: "127.0.0.1", port: 7777)!

    static func parts(of packed: [UInt8], tid: UInt32, size: Int = 1_000) -> [[UInt8]] {
        stride(from: 0, to: packed.count, by: size).map {
            Attacker.part(tid: tid, index: 0, offset: $0, data: Array(packed[$0..<min(packed.count, $0 + size)]))
        }
    }

    /// A put whose parts arrive last first: stored, and nothing held afterwards.
    @Test func partsOutOfOrderMakeTheValue() {
        var a = Attacker()
        let id = a.freshId()
        let token = a.token(for: peer, id: id, key: .hashing(key: "big"))
        let value = Value(id: 9, data: (0..<20_000).map { UInt8(truncatingIfNeeded: $0) }).packed()
        let datagrams = MessageEncoder(nodeId: id, network: 0).put(tid: 2, key: .hashing(key: "big"), packedValues: [value], created: nil, token: token)
        #expect(datagrams.count > 3)
        a.send(datagrams[0], from: peer)
        for d in datagrams.dropFirst().reversed() { a.send(d, from: peer) }
        #expect(a.core.statistics.storedValues == 1)
        #expect(a.core.assembler.bytes == 0 && a.core.assembler.sessionCount == 0)
    }

    /// The parts of an answer to our own request that come before its header wait for it.
    @Test func partsBeforeTheHeaderOfAnAnswerWaitForIt() throws {
        var a = Attacker(config: Attacker.config(rateLimited: false))
        a.core.bootstrap(peer, now: a.now)
        let tid = try #require(Attacker.decode(a.core.takeOutputs()).first { $0.1 == peer }?.0.tid)
        let value = Value(id: 4, data: [UInt8](repeating: 5, count: 3_500)).packed()
        for p in Self.parts(of: value, tid: tid).reversed() { a.send(p, from: peer) }
        #expect(a.core.assembler.bytes > 0)
        let sender = a.freshId()
        a.send(Attacker.partHeader(tid: tid, sizes: [value.count], sender: sender, reply: true), from: peer)
        // The answer was whole, so it was handled: the node that answered is known now.
        #expect(a.core.statistics.knownNodes4 + a.core.statistics.goodNodes4 > 0)
        #expect(a.core.statistics.droppedPartSessions == 0)
        #expect(a.core.assembler.bytes == 0 && a.core.assembler.sessionCount == 0)
    }

    /// Parts nobody asked for are not kept; early parts whose header never comes, and parts
    /// ahead of a gap that never fills, are given back when their time is up.
    @Test func heldPartsAreBoundedAndExpire() throws {
        var a = Attacker(config: Attacker.config(rateLimited: false))
        let value = Value(id: 4, data: [UInt8](repeating: 5, count: 3_500)).packed()
        // No request of ours has this tid: nothing held.
        for p in Self.parts(of: value, tid: 777) { a.send(p, from: peer) }
        #expect(a.core.assembler.bytes == 0)

        a.core.bootstrap(peer, now: a.now)
        let tid = try #require(Attacker.decode(a.core.takeOutputs()).first { $0.1 == peer }?.0.tid)
        for p in Self.parts(of: value, tid: tid).dropFirst() { a.send(p, from: peer) }
        #expect(a.core.assembler.bytes > 0)
        // A put whose first part never comes: the rest waits ahead of the gap.
        let id = a.freshId()
        let token = a.token(for: peer, id: id, key: .hashing(key: "gap"))
        let datagrams = MessageEncoder(nodeId: id, network: 0).put(tid: 3, key: .hashing(key: "gap"), packedValues: [value], created: nil, token: token)
        for d in [datagrams[0]] + datagrams.dropFirst(2) { a.send(d, from: peer) }
        #expect(a.core.assembler.sessionCount == 1)
        a.now += DHTConstants.partSessionMaxTime + 1
        a.core.tick(now: a.now)
        #expect(a.core.assembler.bytes == 0 && a.core.assembler.sessionCount == 0)
        #expect(a.core.statistics.storedValues == 0)
    }
}
