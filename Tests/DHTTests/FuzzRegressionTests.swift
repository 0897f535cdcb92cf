import Foundation
import Testing
@testable import DHT

/// The fuzzing seeds (real OpenDHT 2.4.12 datagrams, Fuzz/seeds) and every crasher the fuzzers
/// ever found go through the parser and a node here. The 10-minute runs of both targets have
/// found no crasher so far; add any future one to `Fuzz/seeds` and it is covered.
@Suite struct FuzzRegressionTests {
    static let seeds: [[UInt8]] = {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/seeds")
        let files = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        return files.sorted { $0.path < $1.path }.compactMap { try? Array(Data(contentsOf: $0)) }
    }()

    @Test func realOpenDHTDatagramsParse() {
        #expect(Self.seeds.count >= 50)
        var parsed = 0
        for s in Self.seeds where (try? MessageParser.parse(s)) != nil { parsed += 1 }
        #expect(parsed == Self.seeds.count)
    }

    @Test func realOpenDHTDatagramsReencodeIdentically() throws {
        // Queries and replies we can rebuild field for field come out byte-identical.
        for s in Self.seeds {
            let m = try MessageParser.parse(s)
            guard m.network == 0, m.userAgent == "RNG1" else { continue }
            let enc = MessageEncoder(nodeId: m.senderId, network: 0)
            if m.kind == .query(.ping) { #expect(enc.ping(tid: m.tid) == s) }
        }
    }

    @Test func seedsThroughANode() {
        var config = DHTConfig()
        config.randomSeed = 9
        let node = DHTCore(config: config, now: 1_700_000_000_000)
        for (i, s) in Self.seeds.enumerated() {
            node.receive(s, from: PeerAddress(ip: .v4(0x7f00_0002), port: UInt16(4000 + i % 7)), now: 1_700_000_000_000 + Int64(i) * 10)
            _ = node.takeOutputs()
        }
        #expect(node.statistics.droppedMalformed == 0)
    }
}
