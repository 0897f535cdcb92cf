import Foundation
import Testing
@testable import Identity

/// Jami's archive format: plain (gzip) and password-protected (Argon2i + AES-GCM over zlib).
@Suite struct ArchiveTests {
    static let archive: AccountArchive = {
        let f = ChainTests.fixture
        return AccountArchive(caKey: f.caKey, accountKey: f.accountKey, accountChain: CertificateChain([f.account, f.ca]),
                              ethKey: Array(repeating: 7, count: 32),
                              otherMembers: ["Account.displayName": .string("Ada"),
                                             "ringAccountContacts": .object(["0123": .object(["added": .number(1_700_000_000)])])])
    }()

    @Test func plainRoundTrip() throws {
        let bytes = try ArchiveFile.seal(Self.archive, password: nil)
        #expect(bytes.prefix(2) == [0x1f, 0x8b])
        let back = try ArchiveFile.open(bytes, password: nil)
        #expect(back.accountID == Self.archive.accountID)
        #expect(back.accountChain == Self.archive.accountChain)
        #expect(back.caKey?.publicKey == Self.archive.caKey?.publicKey)
        #expect(back.ethKey == Self.archive.ethKey)
        #expect(back.otherMembers == Self.archive.otherMembers)
    }

    @Test func passwordRoundTripAndErrors() throws {
        let bytes = try ArchiveFile.seal(Self.archive, password: "correct horse")
        #expect(try ArchiveFile.open(bytes, password: "correct horse").accountID == Self.archive.accountID)
        #expect(throws: IdentityError.wrongPassword) { try ArchiveFile.open(bytes, password: "wrong") }
        #expect(throws: IdentityError.passwordRequired) { try ArchiveFile.open(bytes, password: nil) }
        var tampered = bytes
        tampered[tampered.count / 2] ^= 1
        #expect(throws: IdentityError.wrongPassword) { try ArchiveFile.open(tampered, password: "correct horse") }
        #expect(throws: IdentityError.self) { try ArchiveFile.open(Array(bytes.prefix(20)), password: "correct horse") }
    }

    @Test func hostileArchivesGiveTypedErrors() throws {
        let plain = try ArchiveFile.seal(Self.archive, password: nil)
        for bad in [[], [0x1f, 0x8b], Array(plain.prefix(plain.count / 2)), Array(repeating: 0x41, count: 100),
                    try Zlib.deflate(Array("{\"ringAccountKey\": 3}".utf8), format: .gzip),
                    try Zlib.deflate(Array("[1,2]".utf8), format: .gzip),
                    try Zlib.deflate(Array(repeating: 0, count: Zlib.maxInflatedSize + 1), format: .gzip)] {
            #expect(throws: IdentityError.self) { try ArchiveFile.open(bad, password: nil) }
        }
        // A certificate that is not the account key's.
        var json = try JSONDecoder().decode([String: JSONValue].self, from: Data(Self.archive.json()))
        json["ringAccountCert"] = .string(Data(CertificateChain([ChainTests.fixture.device]).pem.utf8).base64EncodedString())
        #expect(throws: IdentityError.self) { try AccountArchive(json: Array(try JSONEncoder().encode(json))) }
    }

    /// The jamid harness's own decryptor (Python, libargon2 + python3-cryptography) reads ours.
    @Test func harnessDecryptorReadsOurArchive() throws {
        let dir = try GnuTLSInteropTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("archive.gz")
        try Data(try ArchiveFile.seal(Self.archive, password: "pw")).write(to: file)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/peers/jamid/decrypt_archive.py").path
        let r = try GnuTLSInteropTests.run(["/usr/bin/python3", script, file.path, "pw"])
        #expect(r.output.contains("OK key=sha256(argon2i)") && r.output.contains("ringAccountKey"), "\(r.output)")
    }
}
