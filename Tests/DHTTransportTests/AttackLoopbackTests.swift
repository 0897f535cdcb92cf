import DHT
import DHTTransport
import MessagePack
import NIOPosix
import Testing

/// The DHT attacks of issue #13 as real datagrams on loopback against a running node (rate limits
/// on, as deployed), each followed by what honest nodes must still get. Attackers send from
/// 127.0.0.2 so the honest nodes on 127.0.0.1 keep their own rate budget, as distinct hosts would.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AttackLoopbackTests {
    /// The floods' own event loop: the attacked node, the attackers and the honest nodes here
    /// run on it, so the suites beside this one (local API, name server) keep NIO's shared loops.
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    static func configuration() -> DHTNode.Configuration {
        var c = DHTNode.Configuration(bindHost: "127.0.0.1", port: 0)
        c.eventLoopGroup = loops
        return c
    }

    static func fresh() -> InfoHash {
        var g = SystemRandomNumberGenerator()
        return InfoHash.random(using: &g)
    }

    /// Runs `body` with a fresh node, shut down afterwards whether the body passes or throws.
    func withNode(_ body: (DHTNode) async throws -> Void) async throws {
        let node = try await DHTNode.start(Self.configuration())
        do { try await body(node) } catch {
            await node.shutdown()
            throw error
        }
        await node.shutdown()
    }

    /// An honest node joined to `node`, shut down afterwards.
    func withClient(of node: DHTNode, _ body: (DHTNode) async throws -> Void) async throws {
        let client = try await DHTNode.start(Self.configuration())
        do {
            try await client.bootstrap([node.localAddress])
            try await body(client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    /// A write token for `peer`'s address, from a get as an honest peer would do first.
    func token(_ peer: RawPeer, from node: DHTNode, key: InfoHash) async throws -> [UInt8] {
        try await peer.send([MessageEncoder(nodeId: Self.fresh(), network: 0).get(tid: 0xabc, key: key, query: Query(), want: nil)], to: node.localAddress)
        for await (msg, _) in peer.datagrams where msg.kind == .reply && msg.tid == 0xabc { return msg.token ?? [] }
        return []
    }

    @Test func valuePartBombCommitsNothingAndPingsAreAnswered() async throws {
        try await withNode { node in
            let attacker = try await RawPeer(host: "127.0.0.2")
            defer { Task { await attacker.close() } }
            let sizes = [UInt64](repeating: 65_535, count: 1_320)  // 3 bytes each: a 4 KiB datagram
            for round in 0..<3 {
                var batch: [[UInt8]] = []
                for i in 0..<256 {
                    batch.append(header(tid: UInt32(round * 1_000 + i), sizes: sizes, reply: i % 2 == 0))
                }
                try await attacker.send(batch, to: node.localAddress)
                try await Task.sleep(for: .milliseconds(300))
            }
            try await withClient(of: node) { client in
                #expect(await client.ping(node.localAddress) == node.nodeId)
            }
            let s = try await node.statistics()
            #expect(s.partSessions == 0)
            #expect(s.partBytes == 0)
            #expect(s.droppedPartSessions + s.droppedRateLimited >= 3 * 256 - 10)
        }
    }

    @Test func forgedRepliesChangeNothing() async throws {
        try await withNode { node in
            let attacker = try await RawPeer(host: "127.0.0.2")
            defer { Task { await attacker.close() } }
            for chunk in 0..<10 {
                let forged = (0..<500).map { MessageEncoder(nodeId: Self.fresh(), network: 0).pong(tid: UInt32(chunk * 500 + $0), to: node.localAddress) }
                try await attacker.send(forged, to: node.localAddress)
            }
            try await withClient(of: node) { client in
                #expect(await client.ping(node.localAddress) == node.nodeId)
            }
            let s = try await node.statistics()
            // Whether the rate limiter or the tid check drops them depends on how fast they
            // came (a loaded machine sends them slower than the limit): either way, all dropped.
            #expect(s.droppedUnmatched + s.droppedRateLimited >= 5_000 - 10)
            // Only the honest client made it into the table.
            #expect(s.knownNodes4 == 1)
        }
    }

    @Test(arguments: [1, 16])
    func sybilFloodLeavesStorageAndRoutingAlone(sockets: Int) async throws {
        try await withNode { node in
            var attackers: [RawPeer] = []
            for _ in 0..<sockets { attackers.append(try await RawPeer(host: "127.0.0.2")) }
            defer { for a in attackers { Task { await a.close() } } }
            var tokens: [[UInt8]] = []
            for a in attackers { tokens.append(try await token(a, from: node, key: .hashing(key: "flood"))) }
            // Every ping the node sends an attacker is answered with yet another fresh id.
            let responders = attackers.map { a in
                Task {
                    for await (msg, from) in a.datagrams where msg.kind == .query(.ping) {
                        try? await a.send([MessageEncoder(nodeId: Self.fresh(), network: 0).pong(tid: msg.tid, to: from)], to: from)
                    }
                }
            }
            defer { responders.forEach { $0.cancel() } }
            for (a, token) in zip(attackers, tokens) {
                let puts = (0..<(3_000 / sockets)).flatMap { i in
                    MessageEncoder(nodeId: Self.fresh(), network: 0).put(
                        tid: UInt32(i), key: Self.fresh(), packedValues: [Value(id: UInt64(i + 1), data: [1]).packed()], created: nil, token: token)
                }
                // Paced under the per-IP limit, as in the finding (under a second of traffic).
                for start in stride(from: 0, to: puts.count, by: 500) {
                    try await a.send(Array(puts[start..<min(start + 500, puts.count)]), to: node.localAddress)
                    try await Task.sleep(for: .milliseconds(30))
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            // The writer stays up while the reader looks: a departed node would only slow the gets.
            try await withClient(of: node) { writer in
                for i in 0..<20 { _ = try await writer.put(.hashing(key: "honest-\(i)"), Value(id: UInt64(i + 1), data: Array("v\(i)".utf8))) }
                try await withClient(of: node) { reader in
                    var found = 0
                    for i in 0..<20 {
                        if try await !reader.get(.hashing(key: "honest-\(i)")).isEmpty { found += 1 }
                    }
                    #expect(found == 20)
                }
            }
            let honest = try await RawPeer(host: "127.0.0.1")
            defer { Task { await honest.close() } }
            let attackerAddresses = Set(attackers.map(\.address))
            for i in 0..<20 {
                try await honest.send([MessageEncoder(nodeId: Self.fresh(), network: 0).find(tid: UInt32(900 + i), target: Self.fresh(), want: [.inet])], to: node.localAddress)
            }
            var answers = 0
            for await (msg, _) in honest.datagrams where msg.kind == .reply {
                #expect(msg.nodes4.allSatisfy { !attackerAddresses.contains($0.address) })
                answers += 1
                if answers == 20 { break }
            }
            #expect(try await node.statistics().knownNodes4 <= sockets + 3)
        }
    }

    @Test func squattedKeyStillUpdatesAGenuineListener() async throws {
        try await withNode { node in
            let key = InfoHash.hashing(key: "squatted")
            let attacker = try await RawPeer(host: "127.0.0.2")
            defer { Task { await attacker.close() } }
            let token = try await token(attacker, from: node, key: key)
            for start in stride(from: 0, to: 1_024, by: 256) {
                let listens = (start..<(start + 256)).map {
                    MessageEncoder(nodeId: Self.fresh(), network: 0).listen(tid: UInt32(0x10000 + $0), key: key, token: token, socketId: UInt32($0 + 1), query: Query())
                }
                try await attacker.send(listens, to: node.localAddress)
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(try await node.statistics().remoteListeners <= 8)
            try await withClient(of: node) { listener in
                let events = listener.listen(key)
                try await Task.sleep(for: .milliseconds(500))
                let t0 = ContinuousClock.now
            try await withClient(of: node) { writer in
                    _ = try await writer.put(key, Value(id: 77, data: Array("hello".utf8)))
                }
                let got = await firstAdded(events, within: .seconds(10))
                #expect(got?.data == Array("hello".utf8))
            }
        }
    }

    /// The first value added on `events`, or nil if none comes within `limit`.
    func firstAdded(_ events: AsyncStream<ListenEvent>, within limit: Duration) async -> Value? {
        await withTaskGroup(of: Value?.self) { group in
            group.addTask {
                for await e in events { if case .added(let v) = e { return v } }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// A header announcing `sizes` of values to come as parts, shaped as a reply or a put.
    func header(tid: UInt32, sizes: [UInt64], reply: Bool) -> [UInt8] {
        var body: [MessagePackPair] = [.init(.string("id"), .binary(Self.fresh().bytes))]
        if !reply { body += [.init(.string("h"), .binary(Self.fresh().bytes)), .init(.string("token"), .binary([1, 2, 3, 4]))] }
        body.append(.init(.string("values"), .array(sizes.map { .uint($0) })))
        var top: [MessagePackPair] = [.init(.string(reply ? "r" : "a"), .map(body))]
        if !reply { top.append(.init(.string("q"), .string("put"))) }
        top += [.init(.string("t"), .uint(UInt64(tid))), .init(.string("y"), .string(reply ? "r" : "q"))]
        return MessagePackValue.map(top).encoded
    }
}
