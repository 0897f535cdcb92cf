import DHT
import DHTTransport
import Foundation
import Testing

/// A network of 8 real OpenDHT nodes and 8 Rafiki nodes in which every node finds every value.
/// The OpenDHT nodes are stopped when the test ends; their own lifetime is only a backstop, long
/// enough for a loaded CI machine (the test takes about 100 s alone on 2 cores).
@Suite(.serialized, .timeLimit(.minutes(6)), .stopsChildren)
struct MixedNetworkTests {
    static let serveSeconds = 330

    @Test func everyNodeFindsEveryValue() async throws {
        let (first, firstAddress) = try await ReferencePeer.serve(seconds: Self.serveSeconds)
        var openDHT = [(first, firstAddress)]
        var rafiki: [DHTNode] = []
        for i in 1..<8 {
            openDHT.append(try await ReferencePeer.serve(seconds: Self.serveSeconds, bootstrap: openDHT[i / 2].1))
        }
        for i in 0..<8 {
            let node = try await DHTNode.start(DHTNode.Configuration(bindHost: "127.0.0.1", port: 0))
            try await node.bootstrap([i % 2 == 0 ? openDHT[i].1 : rafiki[i - 1].localAddress])
            rafiki.append(node)
        }
        try await Task.sleep(for: .seconds(2))

        // Half the values come from OpenDHT nodes (short-lived publishers), half from ours.
        var expected: Set<String> = []
        for i in 0..<4 {
            let text = "opendht-\(i)"
            expected.insert(text)
            let put = try await ReferencePeer.run(["--bootstrap", openDHT[i * 2].1.description, "put", "--key", "mixed", "--data", text])
            #expect(put.status == 0)
        }
        for i in 0..<4 {
            let text = "rafiki-\(i)"
            expected.insert(text)
            #expect(try await rafiki[i * 2 + 1].put(.hashing(key: "mixed"), Value(id: UInt64(100 + i), data: Array(text.utf8))) >= 1)
        }

        for node in rafiki {
            let found = Set(try await node.get(.hashing(key: "mixed")).map { String(decoding: $0.data, as: UTF8.self) })
            #expect(found == expected, "rafiki node \(node.nodeId) found \(found.sorted())")
        }
        // Fresh OpenDHT nodes joining through each OpenDHT member find every value too.
        let getters = try openDHT.map { try ReferencePeer(["--bootstrap", $0.1.description, "get", "--key", "mixed", "--expect", "8"]) }
        for g in getters {
            await g.wait()
            #expect(Set(g.valueTexts) == expected)
        }
        for node in rafiki { await node.shutdown() }
        for (peer, _) in openDHT { await peer.stop() }
    }
}
