import Foundation
import Testing

/// One account on a jamid device and on ours (jamid's export imported), through
/// `Scripts/interop/jamid_sync.py`: a contact added on either side reaches the other over
/// `sync://`, and so does a conversation started on either; and a device linked with a PIN
/// each way (jamid's to us, ours to jamid). Part of the serialized jamid suite.
extension JamidIdentityTests {
    @Test func ownDeviceSyncWithJamid() async throws {
        try #require(FileManager.default.fileExists(atPath: "/usr/libexec/jamid"), "jamid is not installed (run .ci/run)")
        let rafikid = Self.productsDirectory.appendingPathComponent("rafikid").path
        let rafiki = Self.productsDirectory.appendingPathComponent("rafiki").path
        try #require(FileManager.default.isExecutableFile(atPath: rafikid) && FileManager.default.isExecutableFile(atPath: rafiki), "build rafikid and rafiki first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-jamid-sync-\(UUID().uuidString)")
        let r = try await Self.runScript(["--harness", Self.harness.path, "--workdir", dir.path, "--rafikid", rafikid, "--rafiki", rafiki],
                                         script: "jamid_sync.py", timeout: .seconds(520))
        if r["error"] == nil { try? FileManager.default.removeItem(at: dir) }
        #expect(r["error"] == nil, "\(r["error"] ?? "") (logs in \(dir.path))")
        #expect(r["imported"] as? Bool == true)
        #expect((r["kay_at_us"] as? [String: Any])?["state"] as? String == "active")
        #expect(r["lee_at_jamid"] != nil && r["jamid_conversation_at_us"] != nil && r["our_conversation_at_jamid"] != nil)
        print("sync with jamid: \(r["kay_at_us"] ?? "-") \(r["lee_at_jamid"] ?? "-") \(r["jamid_conversation_at_us"] ?? "-") \(r["our_conversation_at_jamid"] ?? "-");"
              + " \(r["legacy_syncs_merged"] ?? 0) of jamid's DeviceSync values from the DHT merged")
        // PINs both ways: jamid's exportOnRing into `rafiki account link`, ours into jamid's archivePIN.
        #expect(r["jamid_pin_status"] as? Int == 0 && r["linked_from_jamid"] as? Bool == true)
        let ours = try #require(r["jamid_linked_ours"] as? [String: Any])
        #expect(ours["state"] as? String == "REGISTERED" && ours["same_account"] as? Bool == true, "\(ours)")
        #expect((r["dropped_sync"] as? [String])?.isEmpty == true, "\(r["dropped_sync"] ?? "")")
        #expect(r["daemon_exit"] as? Int == 0)
        #expect((r["daemon_errors"] as? [String])?.isEmpty == true, "\(r["daemon_errors"] ?? "")")
    }
}
