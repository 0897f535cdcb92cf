import Foundation
import Testing

/// Two rafikid in network namespaces that `Scripts/interop/turn_relay.py` creates, with no route
/// between them except through a real coturn: the socket comes up and both ends report the
/// `relay` pair. Root only (it makes namespaces and veth links).
@Suite(.serialized, .timeLimit(.minutes(6)))
struct TURNRelayNetnsTests {
    @Test func theOnlyPathIsTheRelay() async throws {
        try #require(getuid() == 0, "needs root for network namespaces")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/turnserver"), "coturn is not installed (run .ci/run)")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/dhtnode"), "dhtnode is not installed (run .ci/run)")
        let rafikid = JamidIdentityTests.productsDirectory.appendingPathComponent("rafikid").path
        let rafiki = JamidIdentityTests.productsDirectory.appendingPathComponent("rafiki").path
        try #require(FileManager.default.isExecutableFile(atPath: rafikid), "build rafikid and rafiki first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-turn-\(UUID().uuidString)")
        let r = try await JamidIdentityTests.runScript(["--workdir", dir.path, "--rafikid", rafikid, "--rafiki", rafiki],
                                                       script: "turn_relay.py", timeout: .seconds(300))
        if r["error"] == nil { try? FileManager.default.removeItem(at: dir) }
        #expect(r["error"] == nil, "\(r["error"] ?? "") (logs in \(dir.path))")
        let a = try #require((r["at_a"] as? [[String: Any]])?.first), b = try #require((r["at_b"] as? [[String: Any]])?.first)
        #expect(a["state"] as? String == "connected" && a["pair"] as? String == "relay" && a["direction"] as? String == "outgoing")
        #expect(b["state"] as? String == "connected" && b["pair"] as? String == "relay" && b["direction"] as? String == "incoming")
        let probe = try #require(r["probe"] as? [String: Any])
        #expect(probe["detail"] as? String == "channel rafiki-test/relayed declined")
        #expect(r["exits"] as? [Int] == [0, 0])
        #expect((r["daemon_errors"] as? [String])?.isEmpty == true, "\(r["daemon_errors"] ?? "")")
    }
}
