import Foundation
import Testing
import X509
@testable import Identity

/// Our certificates and CRLs as GnuTLS (what Jami and OpenDHT use) and OpenSSL see them.
@Suite struct GnuTLSInteropTests {
    static func run(_ argv: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-gnutls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func certtoolVerifiesOurChainAndCRL() throws {
        let f = ChainTests.fixture
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try f.chain.pem.write(to: dir.appendingPathComponent("chain.pem"), atomically: true, encoding: .utf8)
        try CertificateChain([f.account]).pem.write(to: dir.appendingPathComponent("account.pem"), atomically: true, encoding: .utf8)
        try CertificateChain([f.ca]).pem.write(to: dir.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        let chain = try Self.run(["certtool", "--verify-chain", "--infile", dir.appendingPathComponent("chain.pem").path])
        #expect(chain.status == 0, "\(chain.output)")
        // GnuTLS's key id is our account id.
        let info = try Self.run(["certtool", "-i", "--infile", dir.appendingPathComponent("account.pem").path])
        #expect(info.output.contains(f.accountKey.publicKey.id.hex), "\(info.output)")

        let crl = try RevocationList.sign(entries: [], number: RevocationList.randomNumber(), issuer: f.account, key: f.accountKey)
            .revoking(leafOf: CertificateChain([f.device]), issuer: f.account, key: f.accountKey)
        try crl.pem.write(to: dir.appendingPathComponent("crl.pem"), atomically: true, encoding: .utf8)
        let crlCheck = try Self.run(["certtool", "--verify-crl", "--load-ca-certificate", dir.appendingPathComponent("account.pem").path,
                                     "--infile", dir.appendingPathComponent("crl.pem").path])
        #expect(crlCheck.status == 0, "\(crlCheck.output)")
        #expect(crlCheck.output.lowercased().contains(CertificateChain([f.device]).serialHex(at: 0)), "\(crlCheck.output)")
        let openssl = try Self.run(["openssl", "crl", "-in", dir.appendingPathComponent("crl.pem").path,
                                    "-CAfile", dir.appendingPathComponent("account.pem").path, "-noout"])
        #expect(openssl.output.contains("verify OK"), "\(openssl.output)")
    }

    @Test func weReadCerttoolsCRL() throws {
        let f = ChainTests.fixture
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CertificateChain([f.account]).pem.write(to: dir.appendingPathComponent("account.pem"), atomically: true, encoding: .utf8)
        try f.accountKey.pkcs8PEM.write(to: dir.appendingPathComponent("account.key"), atomically: true, encoding: .utf8)
        try CertificateChain([f.device]).pem.write(to: dir.appendingPathComponent("device.pem"), atomically: true, encoding: .utf8)
        try "crl_next_update = 30\ncrl_number = 7\n".write(to: dir.appendingPathComponent("crl.tmpl"), atomically: true, encoding: .utf8)
        let made = try Self.run(["certtool", "--generate-crl", "--load-ca-privkey", dir.appendingPathComponent("account.key").path,
                                 "--load-ca-certificate", dir.appendingPathComponent("account.pem").path,
                                 "--load-certificate", dir.appendingPathComponent("device.pem").path,
                                 "--template", dir.appendingPathComponent("crl.tmpl").path, "--outfile", dir.appendingPathComponent("crl.pem").path])
        #expect(made.status == 0, "\(made.output)")
        let crl = try RevocationList(pemOrDER: Array(try Data(contentsOf: dir.appendingPathComponent("crl.pem"))))
        #expect(crl.isSigned(by: f.account))
        #expect(crl.contains(serial: f.device.serialNumber.bytes))
        #expect(crl.number == [7])
    }
}
