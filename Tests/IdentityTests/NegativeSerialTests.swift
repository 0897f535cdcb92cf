import Foundation
import Testing
import X509
@testable import Identity

/// GnuTLS writes half of OpenDHT's and Jami's random serials as negative INTEGERs. Such
/// certificates, made here by real OpenDHT (python3-opendht), must parse, verify, round-trip
/// byte for byte and be revocable by their exact serial.
@Suite struct NegativeSerialTests {
    /// Asks OpenDHT for CA → leaf identities until both serials are negative; prints the chain.
    static let generator = """
        import opendht, subprocess, sys
        def negative(pem):
            out = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=pem.encode(), capture_output=True).stdout
            return b"serial=-" in out
        for _ in range(64):
            ca = opendht.Identity.generate("ca", opendht.Identity(), 2048)
            if not negative(ca.certificate.toString()): continue
            for _ in range(64):
                leaf = opendht.Identity.generate("leaf", ca, 2048)
                if negative(leaf.certificate.toString()):
                    sys.stdout.write(leaf.certificate.toString()); sys.exit(0)
        sys.exit(1)
        """

    static func openDHTChain() throws -> String {
        let (status, pem) = try GnuTLSInteropTests.run(["/usr/bin/python3", "-c", generator])
        try #require(status == 0, "python3-opendht could not make the chain: \(pem)")
        return pem
    }

    @Test func openDHTChainWithNegativeSerialsParsesAndVerifies() throws {
        let pem = try Self.openDHTChain()
        let chain = try CertificateChain(pemOrDER: Array(pem.utf8))
        #expect(chain.certificates.count == 2)
        #expect(chain.rawSerial(at: 0)[0] & 0x80 != 0)
        #expect(chain.rawSerial(at: 1)[0] & 0x80 != 0)
        // The exact bytes are kept: re-emitted PEM is the same certificates.
        #expect(try CertificateChain(pemOrDER: Array(chain.pem.utf8)).encodings == chain.encodings)
        let dir = try GnuTLSInteropTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ours = dir.appendingPathComponent("ours.pem"), theirs = dir.appendingPathComponent("theirs.pem")
        try chain.pem.write(to: ours, atomically: true, encoding: .utf8)
        try pem.write(to: theirs, atomically: true, encoding: .utf8)
        let a = try GnuTLSInteropTests.run(["openssl", "x509", "-noout", "-serial", "-in", ours.path])
        let b = try GnuTLSInteropTests.run(["openssl", "x509", "-noout", "-serial", "-in", theirs.path])
        #expect(a.output == b.output && a.output.contains("serial=-"))
        // Signatures are checked over the original bytes, so the chain verifies.
        try ChainVerifier().verify(chain)
        #expect(chain.leaf.uid == chain.leaf.keyID.hex)
    }

    @Test func aRevocationListNamesTheExactSerial() throws {
        let chain = try CertificateChain(pemOrDER: Array(try Self.openDHTChain().utf8))
        let f = ChainTests.fixture
        let raw = chain.rawSerial(at: 0)
        let crl = try RevocationList.sign(entries: [], number: [1], issuer: f.account, key: f.accountKey)
            .revoking(leafOf: chain, issuer: f.account, key: f.accountKey)
        let parsed = try RevocationList(derEncoded: crl.derBytes)
        #expect(parsed.entries.map(\.serial) == [raw])
        #expect(parsed.contains(serial: raw))
        #expect(parsed.contains(serial: [0] + raw))
        let dir = try GnuTLSInteropTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("crl.pem")
        try crl.pem.write(to: file, atomically: true, encoding: .utf8)
        let text = try GnuTLSInteropTests.run(["openssl", "crl", "-noout", "-text", "-in", file.path]).output
        #expect(text.contains("Serial Number: -"))
    }
}
