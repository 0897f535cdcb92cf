import Foundation
import Testing

/// A full disk at the receiver (`Scripts/interop/disk_full.py`: its files on an 8 MiB tmpfs in
/// a mount namespace of its own): a file too large is refused before it starts, one that meets
/// the full disk fails with that reason, and nothing stored is lost. Runs as root (mount, netns).
extension JamidIdentityTests {
    @Test func aFullDiskFailsTheTransferAndKeepsWhatIsStored() async throws {
        try #require(getuid() == 0, "needs root (a tmpfs in its own mount namespace)")
        let rafikid = Self.productsDirectory.appendingPathComponent("rafikid").path
        try #require(FileManager.default.isExecutableFile(atPath: rafikid), "build rafikid first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-disk-full-\(UUID().uuidString)")
        let r = try await Self.runScript(["--harness", Self.harness.path, "--workdir", dir.path, "--rafikid", rafikid], script: "disk_full.py", timeout: .seconds(300))
        if r["error"] == nil { try? FileManager.default.removeItem(at: dir) }
        #expect(r["error"] == nil, "\(r["error"] ?? "") (logs in \(dir.path))")
        let tooBig = try #require(r["too_big"] as? [String: Any])
        #expect(tooBig["status"] as? Int == 507 && ((tooBig["body"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "storage.full",
                "\(tooBig)")
        let ends = try #require(r["together"] as? [String: [String: Any]])
        let failed = ends.values.filter { $0["state"] as? String == "failed" }
        #expect(failed.count >= 1 && failed.allSatisfy { ($0["detail"] as? String)?.contains("full") == true }, "\(ends)")
        #expect(r["b_alive"] as? Bool == true && (r["messages_listed"] as? Int ?? 0) >= 4 && r["complete_checked"] as? Bool == true)
        #expect((r["failed_view"] as? [String: Any])?["state"] as? String == "failed")
        let cancelled = try #require(r["after_cancel"] as? [String: Any])
        #expect(cancelled["state"] as? String == "cancelled" && cancelled["bytes"] as? Int == 0)
    }
}
