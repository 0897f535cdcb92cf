import Foundation
import Testing

/// Peer sockets between rafikid and the real Jami daemon, through
/// `Scripts/interop/jamid_connections.py`: jamid -> Rafiki (a call makes jamid connect and open a
/// `sip` channel, whose INVITE we decline), Rafiki -> jamid (`rafiki peers connect`, an unknown channel declined
/// by jamid), jamid's beacons answered, both sockets up through 60 s of keep-alives. Part of the
/// serialized jamid suite (one jamid at a time).
extension JamidIdentityTests {
    @Test func peerSocketsComeUpWithJamidBothWays() async throws {
        try #require(FileManager.default.fileExists(atPath: "/usr/libexec/jamid"), "jamid is not installed (run .ci/run)")
        let rafikid = Self.productsDirectory.appendingPathComponent("rafikid").path
        let rafiki = Self.productsDirectory.appendingPathComponent("rafiki").path
        try #require(FileManager.default.isExecutableFile(atPath: rafikid) && FileManager.default.isExecutableFile(atPath: rafiki), "build rafikid and rafiki first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-jamid-connections-\(UUID().uuidString)")
        let r = try await Self.runScript(["--harness", Self.harness.path, "--workdir", dir.path, "--rafikid", rafikid, "--rafiki", rafiki],
                                         script: "jamid_connections.py", timeout: .seconds(450))
        if r["error"] == nil { try? FileManager.default.removeItem(at: dir) }
        #expect(r["error"] == nil, "\(r["error"] ?? "") (logs in \(dir.path))")
        let jamid = try #require(r["jamid"] as? [String: String])

        // We cloned Jay's 1:1 conversation from jamid's git server: its root is the offered id,
        // every commit by a device (64-hex author e-mail), all validated before it landed.
        let cloned = try #require(r["cloned"] as? [String: Any])
        let commits = try #require(cloned["commits"] as? [String])
        print("cloned from jamid: \(commits.count) commits: \(commits)")
        #expect(commits.last?.hasPrefix(cloned["conversation"] as? String ?? "?") == true, "\(commits)")
        #expect(!commits.isEmpty && commits.allSatisfy { $0.split(separator: " ").dropFirst().first?.count == 64 }, "\(commits)")
        // Our join, notified by a DHT ImMessage, fetched by jamid from our git server and
        // accepted by its validator: jamid reports us as a member who joined.
        #expect(r["jamid_saw_our_join_s"] as? Double != nil, "jamid did not see our join")
        print("jamid saw our join after \(r["jamid_saw_our_join_s"] ?? "-") s")
        // Jay's message, notified by jamid (SIP MESSAGE or DHT), fetched and merged.
        let jays = r["jay_message"] as? String
        #expect(jays?.contains("hello from jamid") == true, "Jay's message never reached us")
        print("Jay's message reached us after \(r["jay_message_s"] ?? "-") s: \(jays ?? "-")")

        // jamid -> Rafiki: its `sip` channel on the socket to our device (the clone's, which
        // jamid reuses), over a host pair; the call's INVITE declined, the call over.
        let incoming = try #require(r["jay_socket"] as? [String: Any])
        #expect(incoming["state"] as? String == "connected")
        #expect(incoming["account"] as? String == jamid["jay"] && incoming["pair"] as? String == "host")
        #expect(r["jay_sip_channel"] as? Bool == true)
        #expect(r["call_ended"] as? String != nil, "jamid's call did not end")

        // Rafiki -> jamid: connected, and jamid declines a name it does not serve.
        let outgoing = try #require((r["connect_to_jamid"] as? [[String: Any]])?.first)
        // Kay's acceptance made jamid clone the 1:1 our request offered, so the socket may be
        // the one jamid opened to us: either direction.
        #expect(outgoing["state"] as? String == "connected")
        #expect(outgoing["account"] as? String == jamid["kay"])
        let probe = try #require(r["probe_unknown"] as? [String: Any])
        #expect(probe["accepted"] as? Bool == false && probe["detail"] as? String == "channel rafiki-test/unknown declined")

        // Beacons answered, and both sockets still up after 60 s.
        let afterBeacons = try #require(r["after_beacons"] as? [[String: Any]])
        #expect(afterBeacons.count == 2 && afterBeacons.allSatisfy { $0["state"] as? String == "connected" })
        #expect((r["held_s"] as? Double ?? 0) >= 60)
        let held = try #require(r["after_hold"] as? [[String: Any]])
        #expect(held.count == 2 && held.allSatisfy { $0["state"] as? String == "connected" }, "\(held)")

        #expect(r["daemon_alive"] as? Bool == true && r["daemon_exit"] as? Int == 0)
        #expect((r["daemon_errors"] as? [String])?.isEmpty == true, "\(r["daemon_errors"] ?? "")")
    }
}
