import Testing
@testable import DHT

/// Issue #13, finding 3: ids invented by one address (or a few) neither fill the routing table,
/// nor appear in routing answers, nor talk the node out of storing honest values.
@Suite struct SybilTests {
    let honest = PeerAddress(host: "127.0.0.2", port: 4000)!

    /// Plays the flood: from each address, `perAddress` messages with fresh ids, and every ping the
    /// node sends back answered with yet another fresh id.
    func flood(_ a: inout Attacker, from addresses: [PeerAddress], perAddress: Int) {
        for n in 0..<perAddress {
            for address in addresses {
                let enc = MessageEncoder(nodeId: a.freshId(), network: 0)
                let token = [UInt8](repeating: UInt8(n & 0xff), count: 4)
                var out: [(WireMessage, PeerAddress)] = []
                for d in enc.put(tid: UInt32(n), key: a.freshId(), packedValues: [Value(id: 1, data: [1]).packed()], created: nil, token: token) {
                    out += a.send(d, from: address)
                }
                for (ping, _) in out where ping.kind == .query(.ping) {
                    a.send(Attacker.pong(tid: ping.tid, sender: a.freshId(), to: address), from: address)
                }
            }
            a.now += 1
        }
        for (ping, to) in a.awaitProbes() {
            a.send(Attacker.pong(tid: ping.tid, sender: a.freshId(), to: to), from: to)
        }
    }

    /// 20 honest puts (a get for the token, then the put) from one honest node that answers the
    /// node's pings; returns how many the node stored, and the honest node's id.
    func honestPuts(_ a: inout Attacker) -> (stored: Int, id: InfoHash) {
        let id = a.freshId()
        let enc = MessageEncoder(nodeId: id, network: 0)
        let before = a.core.statistics.storedValues
        for i in 0..<20 {
            let key = InfoHash.hashing(key: "honest-\(i)")
            let out = a.send(enc.get(tid: UInt32(100 + i), key: key, query: Query(), want: nil), from: honest)
            let token = out.first { $0.0.kind == .reply }?.0.token ?? []
            for d in enc.put(tid: UInt32(200 + i), key: key, packedValues: [Value(id: UInt64(i + 1), data: [9]).packed()], created: nil, token: token) {
                a.send(d, from: honest)
            }
        }
        for (m, to) in a.awaitProbes() where to == honest {
            a.send(Attacker.pong(tid: m.tid, sender: id, to: honest), from: honest)
        }
        return (a.core.statistics.storedValues - before, id)
    }

    /// Ids in 20 `find` answers for random targets.
    func routedIds(_ a: inout Attacker) -> Set<InfoHash> {
        var ids: Set<InfoHash> = []
        let enc = MessageEncoder(nodeId: a.freshId(), network: 0)
        for i in 0..<20 {
            for (reply, _) in a.send(enc.find(tid: UInt32(500 + i), target: a.freshId(), want: [.inet]), from: honest) where reply.kind == .reply {
                ids.formUnion(reply.nodes4.map(\.id))
            }
        }
        return ids
    }

    @Test(arguments: [1, 16])
    func floodsFromFewAddressesChangeNothing(addresses count: Int) {
        var a = Attacker(config: Attacker.config(rateLimited: false))
        let addresses = (0..<count).map { PeerAddress(host: "127.0.0.1", port: UInt16(6000 + $0))! }
        flood(&a, from: addresses, perAddress: 3_000 / count)
        #expect(a.core.statistics.knownNodes4 <= count)
        #expect(a.core.statistics.goodNodes4 == 0)
        let (stored, honestId) = honestPuts(&a)
        #expect(stored == 20)
        #expect(routedIds(&a) == [honestId])
    }

    /// The node pings a newcomer once per address at a time, however many ids the address claims.
    @Test func oneProbePerAddress() {
        var a = Attacker(config: Attacker.config(rateLimited: false))
        let address = PeerAddress(host: "127.0.0.1", port: 6000)!
        var pings = 0
        for i in 0..<1_000 {
            let out = a.send(MessageEncoder(nodeId: a.freshId(), network: 0).ping(tid: UInt32(i)), from: address)
            pings += out.filter { $0.0.kind == .query(.ping) }.count
        }
        pings += a.awaitProbes().count
        #expect(pings == 1)
    }

    /// Public addresses of one /24 fill at most two places per bucket, even when they answer.
    @Test func oneSubnetHoldsTwoPlacesPerBucket() {
        var a = Attacker(config: Attacker.config(rateLimited: false))
        var ids: [PeerAddress: InfoHash] = [:]
        for host in 1...200 {
            let address = Attacker.publicAddress(0, host: UInt32(host))
            ids[address] = a.freshId()
            a.send(MessageEncoder(nodeId: ids[address]!, network: 0).ping(tid: 1), from: address)
        }
        for (ping, to) in a.awaitProbes() {
            a.send(Attacker.pong(tid: ping.tid, sender: ids[to]!, to: to), from: to)
        }
        for bucket in a.core.table4.buckets {
            let members = bucket.nodes + (bucket.replacement.map { [$0] } ?? [])
            #expect(members.filter { $0.address.subnet == Attacker.publicAddress(0, host: 1).subnet }.count <= 2)
        }
        #expect(a.core.statistics.goodNodes4 >= 2)
    }

    /// A confirmed node keeps its address: a message claiming its id from elsewhere, or a newcomer
    /// claiming its address, does not move or displace it.
    @Test func confirmedNodesAreNotHijacked() throws {
        var a = Attacker()
        let id = a.freshId()
        let home = PeerAddress(host: "127.0.0.3", port: 4000)!
        a.send(MessageEncoder(nodeId: id, network: 0).ping(tid: 1), from: home)
        let ping = try #require(a.awaitProbes().first)
        a.send(Attacker.pong(tid: ping.0.tid, sender: id, to: home), from: home)
        a.send(MessageEncoder(nodeId: id, network: 0).ping(tid: 2), from: PeerAddress(host: "127.0.0.4", port: 4000)!)
        a.send(MessageEncoder(nodeId: a.freshId(), network: 0).ping(tid: 3), from: home)
        #expect(a.core.table4.node(id)?.address == home)
        #expect(a.core.table4.holder(of: home) == id)
    }
}
