import Foundation
import Testing

/// Files between rafikid and the real Jami daemon in a 1:1, through `Scripts/interop/jamid_files.py`
/// and our CLI only: 50 MiB each way (SHA-256 equal on both sides, jamid's own SHA3-512 check
/// passing on its side), a transfer from jamid resumed after our daemon was killed half-way, and
/// each side showing the other's profile.
/// Part of the serialized jamid suite (one jamid at a time).
extension JamidIdentityTests {
    @Test func filesWithJamid() async throws {
        try #require(FileManager.default.fileExists(atPath: "/usr/libexec/jamid"), "jamid is not installed (run .ci/run)")
        let rafikid = Self.productsDirectory.appendingPathComponent("rafikid").path
        let rafiki = Self.productsDirectory.appendingPathComponent("rafiki").path
        try #require(FileManager.default.isExecutableFile(atPath: rafikid) && FileManager.default.isExecutableFile(atPath: rafiki), "build rafikid and rafiki first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-jamid-files-\(UUID().uuidString)")
        let r = try await Self.runScript(["--harness", Self.harness.path, "--workdir", dir.path, "--rafikid", rafikid, "--rafiki", rafiki],
                                         script: "jamid_files.py", timeout: .seconds(520))
        if r["error"] == nil { try? FileManager.default.removeItem(at: dir) }
        #expect(r["error"] == nil, "\(r["error"] ?? "") (logs in \(dir.path))")

        #expect(r["jay_profile_at_us"] as? String == "Jay (profile.vcf)")
        #expect((r["our_profile_at_jamid"] as? String)?.contains("FN:Rafa (our profile)") == true, "\(r["our_profile_at_jamid"] ?? "none")")

        let from = try #require(r["from_jamid"] as? [String: Any])
        #expect(from["state"] as? String == "complete" && from["size"] as? Int == 50 << 20 && from["same"] as? Bool == true)
        let to = try #require(r["to_jamid"] as? [String: Any])
        #expect(to["code"] as? Int == 6, "jamid's dataTransferEvent: 6 is finished")
        #expect(to["same"] as? Bool == true && to["sha3"] as? Bool == true)
        #expect(to["file_id_ours"] as? String == to["file_id_jamid"] as? String)
        print("50 MiB from jamid at \(from["mib_per_s"] ?? "-") MiB/s, to jamid at \(to["mib_per_s"] ?? "-") MiB/s (debug build of ours)")

        let resumed = try #require(r["resumed"] as? [String: Any])
        let kept = try #require(resumed["kept"] as? Int)
        #expect(resumed["state"] as? String == "complete" && resumed["same"] as? Bool == true)
        #expect(kept > 0 && (resumed["starts_after_restart"] as? [Int])?.first == kept, "\(resumed)")

        #expect(r["daemon_exit"] as? Int == 0)
        #expect((r["daemon_errors"] as? [String])?.isEmpty == true, "\(r["daemon_errors"] ?? "")")
    }
}
