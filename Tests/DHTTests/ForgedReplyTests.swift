import Testing
@testable import DHT

/// Issue #13, finding 2: only answers to requests we sent to that address skip the rate limiter,
/// and a reply that answers nothing changes nothing.
@Suite struct ForgedReplyTests {
    let attacker = PeerAddress(host: "127.0.0.1", port: 6666)!

    @Test func headsAreClassifiedWithoutDecoding() {
        let enc = MessageEncoder(nodeId: .hashing(key: "x"), network: 0)
        #expect(MessageParser.peekHead(enc.pong(tid: 42, to: attacker)) == DatagramHead(kind: .answer, tid: 42))
        #expect(MessageParser.peekHead(enc.error(tid: 43, code: .notFound, message: "no")) == DatagramHead(kind: .answer, tid: 43))
        #expect(MessageParser.peekHead(enc.ping(tid: 44)).kind == .other)
        #expect(MessageParser.peekHead(Attacker.part(tid: 45, index: 0, offset: 0, data: [1])) == DatagramHead(kind: .valueParts, tid: 45))
        #expect(MessageParser.peekHead([0xde, 0xff]).kind == .other)
        #expect(MessageParser.peekHead([]).kind == .other)
    }

    @Test func forgedRepliesAreRateLimitedAndChangeNothing() {
        var a = Attacker()
        for i in 0..<5_000 {
            a.send(Attacker.pong(tid: UInt32(i), sender: a.freshId(), to: attacker), from: attacker)
        }
        let s = a.core.statistics
        #expect(s.droppedRateLimited == 5_000 - 1_024)
        #expect(s.droppedUnmatched == 1_024)
        #expect(s.knownNodes4 == 0)
        #expect(s.datagramsSent == 0)
    }

    /// An answer to our own request gets through even when its sender's rate budget is spent.
    @Test func answersToOurRequestsPassAnExhaustedLimiter() throws {
        var a = Attacker()
        let bootstrap = PeerAddress(host: "127.0.0.1", port: 4222)!
        a.core.bootstrap(bootstrap, now: a.now)
        let ping = try #require(Attacker.decode(a.core.takeOutputs()).first { $0.0.kind == .query(.ping) })
        for i in 0..<2_000 {
            a.send(MessageEncoder(nodeId: a.freshId(), network: 0).ping(tid: UInt32(i)), from: bootstrap)
        }
        let id = a.freshId()
        a.send(Attacker.pong(tid: ping.0.tid, sender: id, to: bootstrap), from: bootstrap)
        #expect(a.core.table4.node(id)?.isGood(now: a.now) == true)
    }

    /// A reply from the right address but another node id does not vouch for the node we asked,
    /// nor puts the impostor in the table; the real answer still counts.
    @Test func replyFromAnotherIdDoesNotVouch() throws {
        var a = Attacker()
        let honestId = a.freshId()
        a.send(MessageEncoder(nodeId: honestId, network: 0).ping(tid: 1), from: attacker)
        let ourPing = try #require(a.awaitProbes().first)
        let impostor = a.freshId()
        a.send(Attacker.pong(tid: ourPing.0.tid, sender: impostor, to: attacker), from: attacker)
        #expect(a.core.table4.anyNode(impostor) == nil)
        #expect(a.core.table4.node(honestId)?.isGood(now: a.now) == false)
        #expect(a.core.statistics.droppedUnmatched == 1)
        a.send(Attacker.pong(tid: ourPing.0.tid, sender: honestId, to: attacker), from: attacker)
        #expect(a.core.table4.node(honestId)?.isGood(now: a.now) == true)
    }
}
