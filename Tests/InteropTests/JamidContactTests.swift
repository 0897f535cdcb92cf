import Foundation
import Testing

/// rafikid and the real Jami daemon, through `Scripts/interop/jamid_contacts.py`: trust requests
/// both ways, acceptance seen on the other side, presence both ways, and rafikid staying up
/// through whatever jamid tries next. Part of the serialized jamid suite (one jamid at a time).
extension JamidIdentityTests {
    @Test func jamidAndRafikidBecomeContacts() async throws {
        try #require(FileManager.default.fileExists(atPath: "/usr/libexec/jamid"), "jamid is not installed (run .ci/run)")
        let rafikid = Self.productsDirectory.appendingPathComponent("rafikid").path
        let rafiki = Self.productsDirectory.appendingPathComponent("rafiki").path
        try #require(FileManager.default.isExecutableFile(atPath: rafikid) && FileManager.default.isExecutableFile(atPath: rafiki), "build rafikid and rafiki first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-jamid-contacts-\(UUID().uuidString)")
        let r = try await Self.runScript(["--harness", Self.harness.path, "--workdir", dir.path, "--rafikid", rafikid, "--rafiki", rafiki],
                                         script: "jamid_contacts.py")
        // A failed run keeps jamid's and rafikid's logs for a look.
        if r["error"] == nil { try? FileManager.default.removeItem(at: dir) }
        #expect(r["error"] == nil, "\(r["error"] ?? "") (logs in \(dir.path))")
        let jamid = try #require(r["jamid"] as? [String: String])
        let ours = try #require(r["rafiki"] as? String)

        // jamid -> Rafiki: arrives with jamid's account id, its vCard and its 1:1 conversation.
        let incoming = try #require(r["request_from_jamid"] as? [String: Any])
        #expect(incoming["from"] as? String == jamid["jay"])
        #expect(incoming["displayName"] as? String == "Jay from jamid")
        #expect((incoming["conversationId"] as? String)?.count == 40)
        // Rafiki accepts: jamid marks us confirmed, linked to its conversation.
        #expect(r["jamid_confirmed"] as? Bool == true)
        let details = try #require(r["jamid_contact_details"] as? [String: String])
        #expect(details["confirmed"] == "true" && details["conversationId"] == incoming["conversationId"] as? String)

        // Rafiki -> jamid: incomingTrustRequest with our id and our vCard; Kay accepts and we see it.
        let outgoing = try #require(r["request_to_jamid"] as? [String: Any])
        #expect(outgoing["from"] as? String == ours)
        #expect((outgoing["payload"] as? String)?.contains("FN:Rafa") == true)
        #expect(r["we_see_kay_confirmed"] as? Bool == true)

        // Presence both ways.
        #expect(r["jamid_sees_us_online"] as? Bool == true)
        #expect(r["we_see_jamid_online"] as? Bool == true)

        // Nothing jamid did next broke the daemon or its state; SIGTERM stops it cleanly.
        #expect(r["daemon_alive"] as? Bool == true)
        let before = try #require(r["contacts"] as? [[String: Any]]), after = try #require(r["contacts_after"] as? [[String: Any]])
        #expect(before.count == 2 && after.count == 2)
        #expect(r["daemon_exit"] as? Int == 0)
        #expect((r["daemon_errors"] as? [String])?.isEmpty == true, "\(r["daemon_errors"] ?? "")")
    }
}
