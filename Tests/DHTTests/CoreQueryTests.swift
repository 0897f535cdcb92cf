import Testing
@testable import DHT
import MessagePack

/// Drives a single core with hand-made datagrams, as a remote OpenDHT node would.
@Suite struct CoreQueryTests {
    let peer = PeerAddress(host: "127.0.0.1", port: 5000)!
    let peerId = InfoHash.hashing(key: "peer")

    func makeCore() -> DHTCore {
        var config = DHTConfig()
        config.randomSeed = 1
        return DHTCore(config: config, now: 1_700_000_000_000)
    }

    func sent(_ core: DHTCore) -> [(WireMessage, PeerAddress)] {
        core.takeOutputs().compactMap {
            if case .send(let b, let to) = $0, let m = try? MessageParser.parse(b) { return (m, to) }
            return nil
        }
    }

    @Test func answersPingWithSenderAddress() throws {
        let core = makeCore()
        let enc = MessageEncoder(nodeId: peerId, network: 0)
        core.receive(enc.ping(tid: 77), from: peer, now: 1_700_000_000_100)
        let out = sent(core)
        let (reply, to) = try #require(out.first { $0.0.kind == .reply })
        // A ping of our own follows a little later: a newcomer is confirmed before it is advertised.
        #expect(!out.contains { $0.0.kind == .query(.ping) })
        core.tick(now: 1_700_000_000_100 + NewcomerProbes.delay + 1_000)
        #expect(sent(core).contains { $0.0.kind == .query(.ping) && $0.1 == peer })
        #expect(to == peer)
        #expect(reply.kind == .reply)
        #expect(reply.tid == 77)
        #expect(reply.senderId == core.nodeId)
        #expect(reply.reportedIP == [127, 0, 0, 1])
    }

    /// A node that knows 8 or more peers closer to a key than itself acknowledges a put for that key
    /// but does not store it, as OpenDHT does; a key near its own id is stored.
    @Test func putFarFromUsIsAcknowledgedButNotStored() throws {
        let core = makeCore()
        let far = core.nodeId.settingBit(0, to: !core.nodeId.bit(0))
        var now: Int64 = 1_700_000_000_100
        var peers: [PeerAddress: InfoHash] = [:]
        func answerPings(_ out: [(WireMessage, PeerAddress)]) throws {
            for (ping, to) in out where ping.kind == .query(.ping) {
                let id = try #require(peers[to])
                core.receive(MessageEncoder(nodeId: id, network: 0).pong(tid: ping.tid, to: to), from: to, now: now)
            }
        }
        for i in 0..<10 {
            // Peers whose ids share the far key's first 150 bits announce themselves with a ping
            // and answer the core's pings: only nodes that answered count for the rule.
            let id = far.settingBit(150 + i, to: !far.bit(150 + i))
            let address = PeerAddress(host: "127.0.0.1", port: UInt16(6000 + i))!
            peers[address] = id
            core.receive(MessageEncoder(nodeId: id, network: 0).ping(tid: 1), from: address, now: now)
            try answerPings(sent(core))
            now += 1
        }
        for _ in 0..<2 {
            now += NewcomerProbes.delay + 1_000
            core.tick(now: now)
            try answerPings(sent(core))
        }
        _ = core.takeOutputs()
        let enc = MessageEncoder(nodeId: peerId, network: 0)
        let near = core.nodeId.settingBit(159, to: !core.nodeId.bit(159))
        for (key, stored) in [(far, 0), (near, 1)] {
            core.receive(enc.get(tid: 2, key: key, query: Query(), want: nil), from: peer, now: now)
            let token = try #require(sent(core).first { $0.0.kind == .reply }?.0.token)
            for d in enc.put(tid: 3, key: key, packedValues: [Value(id: 4, data: [1]).packed()], created: nil, token: token) {
                core.receive(d, from: peer, now: now)
            }
            #expect(sent(core).contains { $0.0.kind == .reply && $0.0.valueId == 4 })
            #expect(core.statistics.storedValues == stored)
        }
    }
}
