import Foundation
import Identity
import Testing
import TestSupport

/// Our accounts against the real Jami daemon (Debian's jamid 13.7), through
/// `Scripts/interop/jamid_identity.py`, which runs jamid, a bootstrap node and our DHT node in
/// one private network namespace (root needed; `.ci/run` installs jamid).
@Suite(.serialized, .timeLimit(.minutes(6)), .stopsChildren)
struct JamidIdentityTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let harness = repository.deletingLastPathComponent().appendingPathComponent("shared/peers/jamid")

    /// The executables SwiftPM built beside this test bundle.
    static var productsDirectory: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            .deletingLastPathComponent()
    }

    @Test func jamidAndRafikiShareAccounts() async throws {
        try #require(FileManager.default.fileExists(atPath: "/usr/libexec/jamid"), "jamid is not installed (run .ci/run)")
        let node = Self.productsDirectory.appendingPathComponent("rafiki-dhtnode").path
        try #require(FileManager.default.isExecutableFile(atPath: node), "build rafiki-dhtnode first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-jamid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // Ours: an account, exported without and with a password, and a device for the DHT.
        let (archive, device) = try await AccountFactory.create()
        let plain = dir.appendingPathComponent("ours-plain.gz"), protected = dir.appendingPathComponent("ours-password.gz")
        try Data(ArchiveFile.seal(archive, password: nil)).write(to: plain)
        try Data(ArchiveFile.seal(archive, password: "correct horse")).write(to: protected)
        let identityDir = dir.appendingPathComponent("device")
        try device.write(directory: identityDir)

        let result = try await Self.runScript([
            "--harness", Self.harness.path, "--workdir", dir.appendingPathComponent("work").path,
            "--import", plain.path + ":", "--import", protected.path + ":correct horse",
            "--node", "'\(node)' --bootstrap \"$BOOTSTRAP\" serve --identity-dir '\(identityDir.path)' --duration 120",
            "--resolve", device.shortID.hex,
        ])

        // jamid imports both of our archives and derives our account id; the device it makes
        // for itself is issued by our account certificate.
        let imports = try #require(result["imports"] as? [[String: Any]])
        #expect(imports.count == 2)
        for entry in imports {
            #expect(entry["state"] as? String == "REGISTERED", "\(entry["file"] ?? "")")
            #expect(entry["account_id"] as? String == archive.accountID.hex)
            let pem = try #require(entry["device_chain_pem"] as? String)
            let theirDevice = try CertificateChain(pemOrDER: Array(pem.utf8))
            try ChainVerifier().verify(theirDevice)
            #expect(Array(theirDevice.encodings.dropFirst()) == archive.accountChain.encodings)
        }

        // We import jamid's exports (with and without a password) and derive the same account
        // and the chain of jamid's own device.
        let exports = try #require(result["exports"] as? [String: [String: Any]])
        for (name, export) in exports {
            #expect(export["ok"] as? Bool == true, "export \(name)")
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try #require(export["file"] as? String))))
            let password = (export["password"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            let theirs = try ArchiveFile.open(bytes, password: password)
            #expect(theirs.accountID.hex == export["account_id"] as? String)
            let chain = try CertificateChain(pemOrDER: Array(try #require(export["device_chain_pem"] as? String).utf8))
            try ChainVerifier().verify(chain)
            #expect(Array(chain.encodings.dropFirst()) == theirs.accountChain.encodings)
            #expect(chain.certificates[1].keyID == theirs.accountID)
            // And we can make a device of our own for it, as `rafiki account import` does.
            _ = try DeviceIdentity.create(for: theirs, bits: 2048)
            if password != nil {
                #expect(throws: IdentityError.wrongPassword) { try ArchiveFile.open(bytes, password: "wrong") }
            }
        }

        // Our device joins jamid's DHT and publishes its certificate; jamid finds and pins it.
        #expect(result["node_published"] as? Bool == true)
        #expect(result["pinned"] as? Bool == true, "jamid did not resolve our certificate: \(result["node_output"] ?? "")")
        #expect((result["certificate_details"] as? [String: Any])?.isEmpty == false)
    }

    /// Runs a jamid scenario script (a minute or so) and returns its JSON result line. The script
    /// and everything it starts (its harness's bootstrap node, dbus-daemon and jamid, our
    /// daemons) form one process group, stopped after `timeout` or when the test ends.
    static func runScript(_ arguments: [String], script: String = "jamid_identity.py", timeout: Duration = .seconds(330)) async throws -> [String: Any] {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-jamid-\(UUID().uuidString)")
        let out = base.appendingPathExtension("out"), log = base.appendingPathExtension("log")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: log)
        }
        let child = try ChildProcess("/usr/bin/python3", [repository.appendingPathComponent("Scripts/interop/" + script).path] + arguments,
                                     stdout: out.path, stderr: log.path)
        // On SIGTERM a script stops what it started (in its own sessions) before it exits.
        let status = await child.wait(timeout, grace: .seconds(40))
        let line = ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").last.map(String.init) ?? ""
        let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let outcome = status.map { "exit \($0)" } ?? "stopped after \(timeout)"
        return try #require(object, "no result from \(script) (\(outcome)); its log ends with:\n\(stderr.suffix(3000))")
    }
}
