@testable import DHT
import MessagePack

/// Crafts the datagrams of the attacks in issue #13 and feeds them to a core, as a hostile peer
/// on the network would; also plays the honest peers the attacks must not hurt.
struct Attacker {
    let core: DHTCore
    var now: Int64
    var rng = DeterministicRNG(seed: 99)

    init(config: DHTConfig = Attacker.config(), now: Int64 = 1_700_000_000_000) {
        core = DHTCore(config: config, now: now)
        self.now = now
    }

    static func config(rateLimited: Bool = true) -> DHTConfig {
        var c = DHTConfig()
        c.randomSeed = 7
        if !rateLimited { c.maxRequestsPerSecond = nil; c.maxRequestsPerSecondPerIP = nil }
        return c
    }

    mutating func freshId() -> InfoHash { InfoHash.random(using: &rng) }

    /// Delivers one datagram; returns what the core sent in answer, decoded, with its destination.
    @discardableResult
    mutating func send(_ bytes: [UInt8], from: PeerAddress) -> [(WireMessage, PeerAddress)] {
        core.receive(bytes, from: from, now: now)
        return Self.decode(core.takeOutputs())
    }

    /// Lets the node's newcomer probes come due; returns the pings it sends.
    mutating func awaitProbes() -> [(WireMessage, PeerAddress)] {
        now += NewcomerProbes.delay + 1_000
        core.tick(now: now)
        return Self.decode(core.takeOutputs()).filter { $0.0.kind == .query(.ping) }
    }

    static func decode(_ outputs: [DHTOutput]) -> [(WireMessage, PeerAddress)] {
        outputs.compactMap {
            if case .send(let b, let to) = $0, let m = try? MessageParser.parse(b) { return (m, to) }
            return nil
        }
    }

    /// A write token for `from`, fetched with a `get` as an honest peer does before a put or listen.
    mutating func token(for from: PeerAddress, id: InfoHash, key: InfoHash = .hashing(key: "token")) -> [UInt8] {
        let out = send(MessageEncoder(nodeId: id, network: 0).get(tid: 1, key: key, query: Query(), want: nil), from: from)
        return out.first { $0.0.kind == .reply }?.0.token ?? []
    }

    // MARK: Raw shapes

    /// A header announcing `sizes` bytes of values to follow as parts, shaped as a reply or a put.
    static func partHeader(tid: UInt32, sizes: [Int], sender: InfoHash, reply: Bool) -> [UInt8] {
        var body: [MessagePackPair] = [.init(.string("id"), .binary(sender.bytes))]
        if !reply {
            body += [.init(.string("h"), .binary(InfoHash.hashing(key: "k").bytes)), .init(.string("token"), .binary([1, 2, 3, 4]))]
        }
        body.append(.init(.string("values"), .array(sizes.map { .uint(UInt64($0)) })))
        var top: [MessagePackPair] = [.init(.string(reply ? "r" : "a"), .map(body))]
        if !reply { top.append(.init(.string("q"), .string("put"))) }
        top += [.init(.string("t"), .uint(UInt64(tid))), .init(.string("y"), .string(reply ? "r" : "q"))]
        return MessagePackValue.map(top).encoded
    }

    /// One part of value `index` at `offset`.
    static func part(tid: UInt32, index: Int, offset: Int, data: [UInt8]) -> [UInt8] {
        let chunk = MessagePackValue.map([.init(.string("o"), .uint(UInt64(offset))), .init(.string("d"), .binary(data))])
        return MessagePackValue.map([
            .init(.string("p"), .map([.init(.uint(UInt64(index)), chunk)])),
            .init(.string("t"), .uint(UInt64(tid))), .init(.string("y"), .string("p")),
        ]).encoded
    }

    /// A pong from `sender` answering transaction `tid`.
    static func pong(tid: UInt32, sender: InfoHash, to requester: PeerAddress) -> [UInt8] {
        MessageEncoder(nodeId: sender, network: 0).pong(tid: tid, to: requester)
    }

    /// Public test addresses (RFC 5737), which the per-subnet limits apply to.
    static func publicAddress(_ subnet: UInt32, host: UInt32, port: UInt16 = 4222) -> PeerAddress {
        PeerAddress(ip: .v4(0xcb00_7100 &+ (subnet << 8) | (host & 0xff)), port: port)
    }
}
