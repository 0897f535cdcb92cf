import Testing
@testable import DHT

/// Issue #13, finding 4: listener caps are shared fairly, so squatters cannot starve a genuine
/// listener, and a refused listen is answered as refused.
@Suite struct ListenerQuotaTests {
    let key = InfoHash.hashing(key: "watched")

    /// Sends a listen from `from` (fetching its token first); returns the node's answer.
    func listen(_ a: inout Attacker, from: PeerAddress, id: InfoHash, socket: UInt32) -> WireMessage? {
        let token = a.token(for: from, id: id, key: key)
        let out = a.send(MessageEncoder(nodeId: id, network: 0).listen(tid: socket, key: key, token: token, socketId: socket, query: Query()), from: from)
        return out.first { $0.0.kind == .reply || $0.0.kind == .error }?.0
    }

    /// Whether a value put now reaches `listener` with an update.
    func updateReaches(_ a: inout Attacker, _ listener: PeerAddress) -> Bool {
        let id = a.freshId()
        let from = PeerAddress(host: "127.0.0.9", port: 9)!
        let token = a.token(for: from, id: id, key: key)
        var out: [(WireMessage, PeerAddress)] = []
        for d in MessageEncoder(nodeId: id, network: 0).put(tid: 77, key: key, packedValues: [Value(id: 5, data: [5]).packed()], created: nil, token: token) {
            out += a.send(d, from: from)
        }
        return out.contains { $0.0.kind == .query(.update) && $0.1 == listener }
    }

    @Test func fakeIdsFromOneSocketHoldEightSlots() {
        var a = Attacker(config: Attacker.config(rateLimited: false))
        let squatter = PeerAddress(host: "127.0.0.1", port: 6666)!
        for i in 0..<1_024 { _ = listen(&a, from: squatter, id: a.freshId(), socket: UInt32(i + 1)) }
        #expect(a.core.remoteListeners.listeners(key).count == 8)
        let genuine = PeerAddress(host: "127.0.0.5", port: 4000)!
        #expect(listen(&a, from: genuine, id: a.freshId(), socket: 1)?.kind == .reply)
        #expect(updateReaches(&a, genuine))
    }

    /// One host with many sockets fills the key; a listener from another host still gets a slot
    /// (the heaviest host gives one up) and its updates.
    @Test func aFullKeyMakesRoomFromTheHeaviestHost() {
        var config = Attacker.config(rateLimited: false)
        config.maxListenersPerKey = 64
        var a = Attacker(config: config)
        for i in 0..<64 {
            _ = listen(&a, from: PeerAddress(host: "127.0.0.1", port: UInt16(6000 + i / 8))!, id: a.freshId(), socket: UInt32(i + 1))
        }
        #expect(a.core.remoteListeners.listeners(key).count == 64)
        let genuine = PeerAddress(host: "127.0.0.5", port: 4000)!
        #expect(listen(&a, from: genuine, id: a.freshId(), socket: 1)?.kind == .reply)
        #expect(a.core.remoteListeners.listeners(key).count == 64)
        #expect(updateReaches(&a, genuine))
    }

    /// When every source holds its fair share already, the newcomer is told it was refused.
    @Test func refusedListenIsAnsweredAsRefused() {
        var config = Attacker.config(rateLimited: false)
        config.maxListenersPerKey = 4
        var a = Attacker(config: config)
        for i in 0..<4 {
            #expect(listen(&a, from: PeerAddress(ip: .v4(0x7f00_0001 + UInt32(i)), port: 4000), id: a.freshId(), socket: 1)?.kind == .reply)
        }
        let refused = listen(&a, from: PeerAddress(host: "127.0.0.99", port: 4000)!, id: a.freshId(), socket: 1)
        #expect(refused?.kind == .error)
        #expect(refused?.errorMessage.hasPrefix("Listen refused") == true)
        #expect(a.core.statistics.listensRefused == 1)
    }

    /// The global cap is shared the same way: the host holding the most gives up its oldest.
    @Test func theGlobalCapMakesRoomFromTheHeaviestHost() {
        var config = Attacker.config(rateLimited: false)
        config.maxListeners = 10
        var a = Attacker(config: config)
        let squatter = PeerAddress(host: "127.0.0.1", port: 6666)!
        for i in 0..<10 {
            let token = a.token(for: squatter, id: a.freshId(), key: .hashing(key: "k\(i)"))
            a.send(MessageEncoder(nodeId: a.freshId(), network: 0).listen(tid: 1, key: .hashing(key: "k\(i)"), token: token, socketId: 1, query: Query()), from: squatter)
        }
        #expect(a.core.remoteListeners.count == 10)
        let genuine = PeerAddress(host: "127.0.0.5", port: 4000)!
        #expect(listen(&a, from: genuine, id: a.freshId(), socket: 1)?.kind == .reply)
        #expect(a.core.remoteListeners.count == 10)
        #expect(a.core.remoteListeners.listeners(.hashing(key: "k0")).isEmpty)
    }
}
