import Foundation
import Identity
import Testing
import TestSupport

/// Our accounts against the real Jami daemon (Debian's jamid 13.7), through
/// `Scripts/interop/jamid_identity.py`, which runs jamid, a bootstrap node and our DHT node in
/// one private network namespace (root needed; `.ci/run` installs jamid).
@Suite(.serialized, .timeLimit(.minutes(6)))
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

    /// Runs a jamid scenario script (a minute or so) on a thread of its own, not the cooperative pool.
    static func runScript(_ arguments: [String], script: String = "jamid_identity.py") async throws -> [String: Any] {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-jamid-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let (line, status) = try await onOwnThread { try runBlocking(arguments, script: script, log: log) }
        let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return try #require(object, "no result from \(script) (exit \(status)); its log ends with:\n\(stderr.suffix(3000))")
    }

    private static func runBlocking(_ arguments: [String], script: String, log: URL) throws -> (String, Int32) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [repository.appendingPathComponent("Scripts/interop/" + script).path] + arguments
        let out = Pipe()
        p.standardOutput = out
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        p.standardError = logHandle
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "", p.terminationStatus)
    }
}
