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
        // The reply, plus a ping of our own: a newcomer is confirmed before it is advertised.
        let (reply, to) = try #require(out.first { $0.0.kind == .reply })
        #expect(out.contains { $0.0.kind == .query(.ping) })
        #expect(to == peer)
        #expect(reply.kind == .reply)
        #expect(reply.tid == 77)
        #expect(reply.senderId == core.nodeId)
        #expect(reply.reportedIP == [127, 0, 0, 1])
    }
}
