import Foundation
import Testing

/// Swarm conversations between rafikid and the real Jami daemon, through
/// `Scripts/interop/jamid_swarm.py`, driven by our CLI only: the 1:1 from a trust request in both
/// directions, messages, replies, reactions and edits both ways, a read receipt, and a group of
/// two jamid accounts and us in which every message reaches everyone. Part of the serialized
/// jamid suite (one jamid at a time).
extension JamidIdentityTests {
    @Test func swarmConversationsWithJamid() async throws {
        try #require(FileManager.default.fileExists(atPath: "/usr/libexec/jamid"), "jamid is not installed (run .ci/run)")
        let rafikid = Self.productsDirectory.appendingPathComponent("rafikid").path
        let rafiki = Self.productsDirectory.appendingPathComponent("rafiki").path
        try #require(FileManager.default.isExecutableFile(atPath: rafikid) && FileManager.default.isExecutableFile(atPath: rafiki), "build rafikid and rafiki first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-jamid-swarm-\(UUID().uuidString)")
        let r = try await Self.runScript(["--harness", Self.harness.path, "--workdir", dir.path, "--rafikid", rafikid, "--rafiki", rafiki],
                                         script: "jamid_swarm.py", timeout: .seconds(520))
        if r["error"] == nil { try? FileManager.default.removeItem(at: dir) }
        #expect(r["error"] == nil, "\(r["error"] ?? "") (logs in \(dir.path))")
        let jamid = try #require(r["jamid"] as? [String: String])
        let ours = try #require(r["rafiki"] as? String)

        // Jay's 1:1 (Jay asked): his message in `rafiki message list`, ours at jamid.
        let jays = try #require(r["jay_message_at_us"] as? [String: String])
        #expect(jays == ["author": jamid["jay"]!, "type": "text/plain", "body": "hello from jamid"])
        let atJamid = try #require(r["our_message_at_jamid"] as? [String: Any])
        #expect(atJamid["author"] as? String == ours && atJamid["id"] as? String == r["our_message_id"] as? String)
        print("our message reached jamid's messageReceived \(atJamid["ms"] ?? "-") ms after `rafiki message send` began")

        // A reply, a reaction and an edit each way.
        #expect(r["jamid_saw_our_reply"] as? String == "a reply from rafiki")
        #expect(r["jamid_saw_our_reaction"] as? String == "👍")
        #expect(r["jamid_saw_our_edit"] as? String == "hello from rafiki (edited)")
        #expect(r["we_saw_jamid_reply"] as? String == "a reply from jamid")
        #expect((r["we_saw_jamid_reaction"] as? [[String: String]])?.first?["emoji"] == "🎉")
        #expect(r["we_saw_jamid_edit"] as? String == "hello from jamid (edited)")
        #expect(r["jamid_saw_our_read"] as? Bool == true, "jamid did not report our read receipt")

        // We asked Kay: the request offered our new 1:1, which jamid cloned and joined.
        let offered = try #require(r["kay_offered"] as? [String: String])
        #expect(offered["ours"] == offered["jamid"])
        #expect(r["kay_message_at_us"] as? String == jamid["kay"] && r["our_message_at_kay"] as? String == ours)

        // The group: every message reached everyone.
        for key in ["group_ours_at_jay", "group_ours_at_kay", "group_jay_at_kay", "group_jay_at_us", "group_kay_at_us"] {
            #expect(r[key] as? Bool == true, "\(key)")
        }
        #expect(r["group_at_us"] as? [String] == ["hello group, from rafiki", "hello group, from Jay", "hello group, from Kay"])

        #expect(r["daemon_exit"] as? Int == 0)
        #expect((r["daemon_errors"] as? [String])?.isEmpty == true, "\(r["daemon_errors"] ?? "")")
        #expect((r["refused_histories"] as? [String])?.isEmpty == true, "\(r["refused_histories"] ?? "")")
    }
}
