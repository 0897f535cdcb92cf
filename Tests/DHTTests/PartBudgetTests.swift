import Testing
@testable import DHT

/// Issue #13, finding 1: value-part headers commit no memory for what they announce, and parts
/// are held within per-source and global byte budgets.
@Suite struct PartBudgetTests {
    let attacker = PeerAddress(host: "127.0.0.1", port: 6666)!
    let honest = PeerAddress(host: "127.0.0.1", port: 7777)!

    /// The attack as found: 3 rounds of 256 headers of ~4 KiB, each announcing 1,345 values of
    /// 64 KiB (88 MB apiece), reply-shaped and put-shaped.
    @Test func announcedSizesCommitNothing() {
        var a = Attacker()
        for round in 0..<3 {
            for i in 0..<256 {
                let reply = i % 2 == 0
                let header = Attacker.partHeader(tid: UInt32(round * 1000 + i), sizes: Array(repeating: 65_536, count: 1_345), sender: a.freshId(), reply: reply)
                a.send(header, from: attacker)
            }
            a.now += 2_500
        }
        #expect(a.core.assembler.sessionCount == 0)
        #expect(a.core.assembler.bytes == 0)
        let answers = a.send(MessageEncoder(nodeId: a.freshId(), network: 0).ping(tid: 5), from: honest)
        #expect(answers.contains { $0.0.kind == .reply && $0.0.tid == 5 })
    }

    /// Headers that fit the per-source budget open sessions, but only their bookkeeping is charged,
    /// and the session table stays capped whatever the number of sources.
    @Test func sessionsAreCappedAndChargedForTheirHeaderOnly() {
        var a = Attacker(config: Attacker.config(rateLimited: false))
        for i in 0..<600 {
            let from = Attacker.publicAddress(UInt32(i / 200), host: UInt32(i % 200 + 1))
            a.send(Attacker.partHeader(tid: UInt32(i), sizes: Array(repeating: 65_536, count: 60), sender: a.freshId(), reply: false), from: from)
        }
        #expect(a.core.assembler.sessionCount == 256)
        #expect(a.core.assembler.bytes == 256 * 60 * ValuePartAssembler.headerCostPerValue)
    }

    /// Parts that arrive are held within the budgets: a source going over its share loses the
    /// session, and the total never passes the global budget.
    @Test func partsStayWithinTheBudgets() {
        var config = Attacker.config(rateLimited: false)
        config.maxPartBytesPerSource = 100_000
        config.maxPartBytes = 300_000
        var a = Attacker(config: config)
        let chunk = [UInt8](repeating: 7, count: 1_000)
        var peak = 0
        for source in 0..<10 {
            let from = PeerAddress(ip: .v4(0x7f00_0100 | UInt32(source)), port: 4000)
            for s in 0..<3 {
                let tid = UInt32(source * 10 + s)
                a.send(Attacker.partHeader(tid: tid, sizes: [60_000], sender: a.freshId(), reply: false), from: from)
                for offset in stride(from: 0, to: 59_000, by: 1_000) {
                    a.send(Attacker.part(tid: tid, index: 0, offset: offset, data: chunk), from: from)
                    peak = max(peak, a.core.assembler.bytes)
                }
            }
        }
        #expect(peak <= 300_000)
        #expect(a.core.statistics.droppedPartSessions > 0)
    }

    /// An honest value big enough to travel as parts is still stored.
    @Test func honestBigValueArrives() {
        var a = Attacker()
        let id = a.freshId()
        let token = a.token(for: honest, id: id, key: .hashing(key: "big"))
        let value = Value(id: 9, data: [UInt8](repeating: 3, count: 60_000)).packed()
        for d in MessageEncoder(nodeId: id, network: 0).put(tid: 2, key: .hashing(key: "big"), packedValues: [value], created: nil, token: token) {
            a.send(d, from: honest)
        }
        #expect(a.core.statistics.storedValues == 1)
        #expect(a.core.assembler.bytes == 0)
    }
}
