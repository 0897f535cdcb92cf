import DHT
import DHTTransport
import Foundation
import Testing

/// Our node against real OpenDHT 2.4.12 nodes, on loopback, in both directions.
@Suite(.serialized, .timeLimit(.minutes(3)), .stopsChildren)
struct OpenDHTInteropTests {
    func rafikiNode(bootstrap: [PeerAddress]) async throws -> DHTNode {
        let node = try await DHTNode.start(DHTNode.Configuration(bindHost: "127.0.0.1", port: 0))
        if !bootstrap.isEmpty { try await node.bootstrap(bootstrap) }
        return node
    }

    @Test func ourPutIsFoundByOpenDHT() async throws {
        let (server, address) = try await ReferencePeer.serve(seconds: 40)
        let node = try await rafikiNode(bootstrap: [address])
        let stored = try await node.put(.hashing(key: "interop-a"), Value(id: 0x1234, data: Array("from rafiki".utf8)))
        #expect(stored >= 1)
        let get = try await ReferencePeer.run(["--bootstrap", address.description, "get", "--key", "interop-a", "--expect", "1"])
        #expect(get.status == 0)
        #expect(get.valueTexts == ["from rafiki"])
        #expect(get.events("value").first?["id"] as? String == String(0x1234))
        await node.shutdown()
        await server.stop()
    }

    @Test func openDHTPutIsFoundByUs() async throws {
        let (server, address) = try await ReferencePeer.serve(seconds: 40)
        let put = try await ReferencePeer.run(["--bootstrap", address.description, "put", "--key", "interop-b", "--data", "from opendht", "--user-type", "text/plain"])
        #expect(put.status == 0)
        let node = try await rafikiNode(bootstrap: [address])
        let values = try await node.get(.hashing(key: "interop-b"))
        #expect(values.map { String(decoding: $0.data, as: UTF8.self) } == ["from opendht"])
        #expect(values.first?.userType == "text/plain")
        await node.shutdown()
        await server.stop()
    }

    @Test func sixtyFourKiBValuesCrossBothWays() async throws {
        let (server, address) = try await ReferencePeer.serve(seconds: 60)
        let node = try await rafikiNode(bootstrap: [address])
        var rng = SystemRandomNumberGenerator()
        // 64 KiB of data minus room for the user type and msgpack framing under the 64 KiB policy.
        let ours = (0..<65_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(try await node.put(.hashing(key: "big-ours"), Value(id: 7, data: ours)) >= 1)
        let theirGet = try await ReferencePeer.run(["--bootstrap", address.description, "get", "--key", "big-ours", "--expect", "1"])
        let hex = theirGet.events("value").first?["data_hex"] as? String
        #expect(hex == ours.map { String(format: "%02x", $0) }.joined())

        let theirs = (0..<65_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let put = try await ReferencePeer.run(["--bootstrap", address.description, "put", "--key", "big-theirs", "--data-hex", theirs.map { String(format: "%02x", $0) }.joined()])
        #expect(put.status == 0)
        let got = try await node.get(.hashing(key: "big-theirs"))
        #expect(got.first?.data == theirs)
        await node.shutdown()
        await server.stop()
    }

    @Test func typedValuesAndTypeQueries() async throws {
        let (server, address) = try await ReferencePeer.serve(seconds: 40)
        let node = try await rafikiNode(bootstrap: [address])
        try await node.put(.hashing(key: "typed"), Value(id: 31, type: 3, data: Array("im".utf8)))
        try await node.put(.hashing(key: "typed"), Value(id: 32, type: 0, data: Array("plain".utf8)))
        let typed = try await ReferencePeer.run(["--bootstrap", address.description, "get", "--key", "typed", "--type", "3", "--expect", "1"])
        #expect(typed.valueTexts == ["im"])
        #expect(typed.events("value").first?["type"] as? Int == 3)
        let none = try await ReferencePeer.run(["--bootstrap", address.description, "get", "--key", "typed", "--type", "5", "--expect", "1"])
        #expect(none.status == 3)

        _ = try await ReferencePeer.run(["--bootstrap", address.description, "put", "--key", "typed2", "--data", "t4", "--type", "4"])
        let ours = try await node.get(.hashing(key: "typed2"), query: Query(where: [.valueType(4)]))
        #expect(ours.map(\.type) == [4])
        await node.shutdown()
        await server.stop()
    }

    @Test func ourListenSeesTheirPut() async throws {
        let (server, address) = try await ReferencePeer.serve(seconds: 40)
        let node = try await rafikiNode(bootstrap: [address])
        let events = node.listen(.hashing(key: "listen-ours"))
        try await Task.sleep(for: .seconds(1))
        _ = try await ReferencePeer.run(["--bootstrap", address.description, "put", "--key", "listen-ours", "--data", "notify me"])
        let first = await firstEvent(events, within: .seconds(15))
        #expect(firstValue(first)?.data == Array("notify me".utf8))
        await node.shutdown()
        await server.stop()
    }

    @Test func theirListenSeesOurPut() async throws {
        let (server, address) = try await ReferencePeer.serve(seconds: 40)
        let listener = try ReferencePeer(["--bootstrap", address.description, "listen", "--key", "listen-theirs", "--duration", "20", "--count", "1"])
        _ = await listener.waitFor { $0["event"] as? String == "listening" }
        try await Task.sleep(for: .seconds(1))
        let node = try await rafikiNode(bootstrap: [address])
        try await node.put(.hashing(key: "listen-theirs"), Value(id: 99, data: Array("pushed".utf8)))
        let status = await listener.wait(.seconds(25))
        #expect(status == 0)
        #expect(listener.valueTexts == ["pushed"])
        await node.shutdown()
        await server.stop()
    }

    @Test func openDHTBootstrapsFromUs() async throws {
        let bootstrap = try await rafikiNode(bootstrap: [])
        let address = bootstrap.localAddress
        let put = try await ReferencePeer.run(["--bootstrap", address.description, "put", "--key", "via-rafiki", "--data", "relayed"])
        #expect(put.status == 0)
        let get = try await ReferencePeer.run(["--bootstrap", address.description, "get", "--key", "via-rafiki", "--expect", "1"])
        #expect(get.valueTexts == ["relayed"])
        let stats = try await bootstrap.statistics()
        #expect(stats.storedValues >= 1)
        await bootstrap.shutdown()
    }

    private func firstValue(_ e: ListenEvent?) -> Value? {
        if case .added(let v) = e { return v }
        return nil
    }

    private func firstEvent(_ events: AsyncStream<ListenEvent>, within timeout: Duration) async -> ListenEvent? {
        await withTaskGroup(of: ListenEvent?.self) { group in
            group.addTask {
                for await e in events { return e }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
