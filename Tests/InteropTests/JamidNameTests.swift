import Foundation
import Identity
import Testing

/// Our name server and CLI against the real Jami daemon (jamid 13.7), through
/// `Scripts/interop/jamid_names.py`: jamid registers and looks up names on `rafiki-nameserver`
/// through its D-Bus API, and `rafiki name` finds jamid's name (root needed; `.ci/run`
/// installs jamid).
///
/// It lives in `JamidIdentityTests`'s serialized suite: two jamid scenarios at once (two daemons, two
/// D-Bus buses, two namespaces) overloaded 2 cores in CI and one of them timed out.
extension JamidIdentityTests {
    @Test func jamidUsesOurNameServer() async throws {
        try #require(FileManager.default.fileExists(atPath: "/usr/libexec/jamid"), "jamid is not installed (run .ci/run)")
        let bin = Self.productsDirectory
        let server = bin.appendingPathComponent("rafiki-nameserver").path, cli = bin.appendingPathComponent("rafiki").path
        try #require(FileManager.default.isExecutableFile(atPath: server) && FileManager.default.isExecutableFile(atPath: cli),
                     "build rafiki-nameserver and rafiki first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-jamid-names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // A Rafiki account in a private data folder; the CLI registers its name.
        let accounts = dir.appendingPathComponent("accounts")
        let (archive, device) = try await AccountFactory.create()
        try AccountStore(root: accounts).save(archive, password: nil, device: device, deviceName: "interop")
        let ours = archive.accountID.hex
        let rafikiName = "rafiki-\(ours.prefix(6))", jamidName = "JamidUser-\(ours.suffix(4))"

        let result = try await Self.runScript([
            "--harness", Self.harness.path, "--workdir", dir.appendingPathComponent("work").path,
            "--server", "exec '\(server)' --port 0 --database '\(dir.path)/names.sqlite' --log-level notice",
            "--before", "'\(cli)' name register \(rafikiName) --data-dir '\(accounts.path)' --server \"$NAMESERVER\" --json",
            "--after", "'\(cli)' name lookup \"$JAMID_NAME\" --server \"$NAMESERVER\" --json && '\(cli)' name reverse \"$JAMID_ID\" --server \"$NAMESERVER\"",
            "--jamid-name", jamidName, "--rafiki-name", rafikiName, "--rafiki-id", ours,
        ], script: "jamid_names.py")

        // Our CLI registered our account's name on our server.
        let before = try #require(result["before"] as? [String: Any])
        #expect(before["status"] as? Int == 0, "\(before["stderr"] ?? "")")

        // jamid registered its name: a signed request our server verified (status 0 = success).
        let jamidID = try #require(result["jamid_id"] as? String)
        let register = try #require(result["register"] as? [String: Any])
        #expect(register["status"] as? Int == 0, "jamid's registration: \(register)")
        // jamid reports the name as typed; it signed and sent the lower-case form.
        #expect(register["name"] as? String == jamidName)

        // jamid found our name (checking our server's key and signature, or it reports 1) and the reverse.
        let lookup = try #require(result["lookup_rafiki"] as? [String: Any])
        #expect(lookup["status"] as? Int == 0 && lookup["address"] as? String == ours && lookup["name"] as? String == rafikiName, "\(lookup)")
        let reverse = try #require(result["reverse_rafiki"] as? [String: Any])
        #expect(reverse["status"] as? Int == 0 && reverse["name"] as? String == rafikiName, "\(reverse)")
        #expect((result["lookup_missing"] as? [String: Any])?["status"] as? Int == 2)

        // Our CLI finds jamid's name, verified, and its reverse.
        let after = try #require(result["after"] as? [String: Any])
        #expect(after["status"] as? Int == 0, "\(after["stderr"] ?? "")")
        let stdout = after["stdout"] as? String ?? ""
        #expect(stdout.contains(#""account" : "\#(jamidID)""#) && stdout.contains(#""verified" : "true""#), "\(stdout)")
        #expect(stdout.hasSuffix(jamidName.lowercased() + "\n"), "\(stdout)")

        // SIGTERM stops the server gracefully.
        #expect(result["server_exit"] as? Int == 0)
    }
}
