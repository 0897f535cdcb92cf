import NIOCore
import Testing
import STUN
@testable import ICE

@Suite struct ICEAgentTests {
    static let a = ICEPair.description("127.0.0.1", passivePort: 40_001, ufrag: "aaaa1111", password: String(repeating: "a", count: 32))
    static let b = ICEPair.description("127.0.0.2", passivePort: 40_002, ufrag: "bbbb2222", password: String(repeating: "b", count: 32))

    /// Jami's order: the responder (controlling) has the request, answers and checks at once;
    /// the requester (controlled) reads the answer a little later.
    @Test func requesterAndResponderMeetOnOneConnection() {
        var p = ICEPair(ICEAgent(role: .controlled, local: Self.a, tieBreaker: 1, now: 0),
                        ICEAgent(role: .controlling, local: Self.b, tieBreaker: 2, now: 0))
        p.agents[1].setRemote(Self.a, now: 0)
        p.run(until: 10)
        p.agents[0].setRemote(Self.b, now: 10)
        p.run()
        #expect(p.sameConnection)
        #expect(p.kinds == [.host, .host])
        #expect(p.failures == [nil, nil])
    }

    @Test func onlyOneSideListening() {
        let activeOnly = ICEPair.description("127.0.0.2", passivePort: 0, ufrag: "bbbb2222", password: String(repeating: "b", count: 32), passive: false)
        var p = ICEPair(ICEAgent(role: .controlled, local: Self.a, tieBreaker: 1, now: 0),
                        ICEAgent(role: .controlling, local: activeOnly, tieBreaker: 2, now: 0))
        p.agents[0].setRemote(activeOnly, now: 0)
        p.agents[1].setRemote(Self.a, now: 0)
        p.run()
        #expect(p.sameConnection)
    }

    @Test func aRoleConflictIsResolvedByTheTieBreaker() {
        var p = ICEPair(ICEAgent(role: .controlling, local: Self.a, tieBreaker: 5, now: 0),
                        ICEAgent(role: .controlling, local: Self.b, tieBreaker: 9, now: 0))
        p.agents[0].setRemote(Self.b, now: 0)
        p.agents[1].setRemote(Self.a, now: 0)
        p.run()
        #expect(p.sameConnection)
        #expect(p.agents[0].role == .controlled && p.agents[1].role == .controlling)
    }

    @Test func unreachableCandidatesAreSkipped() {
        var b = Self.b
        b.candidates.insert(ICECandidate(kind: .host, tcpType: .passive, address: try! SocketAddress(ipAddress: "127.0.0.9", port: 1), otherPreference: 9000 - 1), at: 0)
        var p = ICEPair(ICEAgent(role: .controlled, local: Self.a, tieBreaker: 1, now: 0),
                        ICEAgent(role: .controlling, local: b, tieBreaker: 2, now: 0))
        p.unreachable = [try! SocketAddress(ipAddress: "127.0.0.9", port: 1)]
        p.agents[0].setRemote(b, now: 0)
        p.agents[1].setRemote(Self.a, now: 0)
        p.run()
        #expect(p.sameConnection)
    }

    /// A TURN relay refuses a peer until its owner has created the permission, which can be
    /// after the peer's first attempt: the attempt is made again a second later.
    @Test func aRefusedConnectionIsTriedAgain() {
        let activeOnly = ICEPair.description("127.0.0.2", passivePort: 0, ufrag: "bbbb2222", password: String(repeating: "b", count: 32), passive: false)
        var p = ICEPair(ICEAgent(role: .controlled, local: Self.a, tieBreaker: 1, now: 0),
                        ICEAgent(role: .controlling, local: activeOnly, tieBreaker: 2, now: 0))
        p.unreachable = [Self.a.candidates.first { $0.tcpType == .passive }!.address]
        p.agents[1].setRemote(Self.a, now: 0)
        p.run(until: 500)
        #expect(p.completed == [nil, nil])
        p.unreachable = []
        p.agents[0].setRemote(activeOnly, now: p.now)
        p.run(until: 3_000)
        #expect(p.sameConnection)
    }

    @Test func nothingReachableTimesOut() {
        var p = ICEPair(ICEAgent(role: .controlled, local: Self.a, tieBreaker: 1, now: 0),
                        ICEAgent(role: .controlling, local: Self.b, tieBreaker: 2, now: 0))
        p.unreachable = [Self.a.candidates[0].address, Self.b.candidates[0].address]
        p.agents[0].setRemote(Self.b, now: 0)
        p.agents[1].setRemote(Self.a, now: 0)
        p.run()
        #expect(p.failures == [.timeout, .timeout])
        #expect(p.now == 30_000)
    }

    @Test func aPeerWithTheWrongPasswordNeverCompletes() {
        var liar = Self.b
        liar.password = String(repeating: "x", count: 32)
        var p = ICEPair(ICEAgent(role: .controlled, local: Self.a, tieBreaker: 1, now: 0),
                        ICEAgent(role: .controlling, local: Self.b, tieBreaker: 2, now: 0))
        p.agents[0].setRemote(liar, now: 0)
        p.agents[1].setRemote(Self.a, now: 0)
        p.run()
        #expect(p.completed[0] == nil)
        #expect(p.failures[0] == .timeout)
    }

    @Test func garbageOnAConnectionClosesIt() throws {
        var agent = ICEAgent(role: .controlled, local: Self.a, tieBreaker: 1, now: 0)
        let id = try #require(agent.accepted(local: Self.a.candidates[0], remote: try SocketAddress(ipAddress: "127.0.0.2", port: 5), now: 0))
        agent.received(id, Array("GET / HTTP/1.1\r\n\r\nxxxxxx".utf8), now: 0)
        #expect(agent.takeOutputs() == [.close(id)])
    }

    @Test func theSelectedConnectionGetsKeepalives() throws {
        var p = ICEPair(ICEAgent(role: .controlled, local: Self.a, tieBreaker: 1, now: 0),
                        ICEAgent(role: .controlling, local: Self.b, tieBreaker: 2, now: 0))
        p.agents[0].setRemote(Self.b, now: 0)
        p.agents[1].setRemote(Self.a, now: 0)
        p.run(until: 0)
        let before = p.sent[0].count
        p.run(until: 46_000)
        let indications = try p.sent[0][before...].map { try STUNMessage(parsing: $0) }.filter { $0.class == .indication }
        #expect(indications.count == 3)
    }

    @Test func tooManyInboundConnectionsAreRefused() throws {
        var agent = ICEAgent(role: .controlled, local: Self.a, tieBreaker: 1, now: 0)
        let from = try SocketAddress(ipAddress: "127.0.0.2", port: 5)
        let ids = (0..<20).map { _ in agent.accepted(local: Self.a.candidates[0], remote: from, now: 0) }
        #expect(ids.compactMap { $0 }.count == 16)
    }
}
