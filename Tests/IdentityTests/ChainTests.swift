import Foundation
import Testing
import X509
@testable import Identity

/// The CA → account → device chain, its verification and revocation. Keys are RSA-2048 here to
/// keep the suite fast; the code path is the same as for Jami's RSA-4096.
@Suite struct ChainTests {
    struct Fixture {
        let caKey: RSAPrivateKey, accountKey: RSAPrivateKey, deviceKey: RSAPrivateKey
        let ca: Certificate, account: Certificate, device: Certificate
        var chain: CertificateChain { CertificateChain([device, account, ca]) }
    }

    static let fixture: Fixture = {
        // safe: generation only fails for unsupported sizes
        let keys = (0..<3).map { _ in try! RSAPrivateKey.generate(bits: 2048) }
        let ca = try! JamiCertificates.selfSignedCA(key: keys[0])
        let account = try! JamiCertificates.intermediateCA(key: keys[1].publicKey, issuer: ca, issuerKey: keys[0])
        let csr = try! JamiCertificates.deviceRequest(key: keys[2])
        let device = try! JamiCertificates.issueDevice(from: csr, issuer: account, issuerKey: keys[1])
        return Fixture(caKey: keys[0], accountKey: keys[1], deviceKey: keys[2], ca: ca, account: account, device: device)
    }()

    @Test func chainHasJamiFields() throws {
        let f = Self.fixture
        #expect(f.ca.commonName == "Jami CA" && f.account.commonName == "Jami" && f.device.commonName == "Jami device")
        #expect(f.account.uid == f.accountKey.publicKey.id.hex)
        #expect(f.account.keyID == f.accountKey.publicKey.id)
        #expect(f.ca.isCertificateAuthority && f.account.isCertificateAuthority && !f.device.isCertificateAuthority)
        #expect(f.device.extensions.isEmpty)
        #expect(f.account.signatureAlgorithm == .sha384WithRSAEncryption)
        #expect(f.device.notValidAfter.timeIntervalSince(f.device.notValidBefore) == 3650 * 86_400)
        try ChainVerifier().verify(f.chain)
    }

    @Test func pemRoundTrip() throws {
        let f = Self.fixture
        let parsed = try CertificateChain(pemOrDER: Array(f.chain.pem.utf8))
        #expect(parsed == f.chain)
        // OpenDHT's certificate values carry the PEM inside a msgpack bin.
        let pem = Array(f.chain.pem.utf8)
        let binned = [0xc5, UInt8(pem.count >> 8), UInt8(pem.count & 0xff)] + pem
        #expect(try CertificateChain(pemOrDER: binned) == f.chain)
    }

    @Test func brokenChainsAreRefused() throws {
        let f = Self.fixture
        let other = try RSAPrivateKey.generate(bits: 2048)
        let otherCA = try JamiCertificates.selfSignedCA(key: other)
        #expect(throws: IdentityError.self) { try ChainVerifier().verify(CertificateChain([f.device, f.account, otherCA])) }
        #expect(throws: IdentityError.self) { try ChainVerifier().verify(CertificateChain([f.device, f.ca])) }
        #expect(throws: IdentityError.self) { try ChainVerifier().verify(CertificateChain([f.device])) }
        let later = ChainVerifier(now: Date() + 3651 * 86_400)
        #expect(throws: IdentityError.self) { try later.verify(f.chain) }
        // A device certificate cannot issue: its "CA" flag is absent.
        let csr = try JamiCertificates.deviceRequest(key: other)
        let rogue = try JamiCertificates.issueDevice(from: csr, issuer: f.device, issuerKey: f.deviceKey)
        #expect(throws: IdentityError.self) { try ChainVerifier().verify(CertificateChain([rogue, f.device, f.account, f.ca])) }
    }

    @Test func revokedDeviceIsRefused() throws {
        let f = Self.fixture
        let empty = try RevocationList.sign(entries: [], number: RevocationList.randomNumber(), issuer: f.account, key: f.accountKey)
        let crl = try empty.revoking(leafOf: CertificateChain([f.device]), issuer: f.account, key: f.accountKey)
        #expect(crl.isSigned(by: f.account) && !crl.isSigned(by: f.ca))
        #expect(crl.contains(serial: f.device.serialNumber.bytes))
        #expect(crl.number == RevocationList.increment(empty.number ?? []))
        let reparsed = try RevocationList(pemOrDER: Array(crl.pem.utf8))
        #expect(reparsed == crl)
        #expect(throws: IdentityError.revoked(serial: CertificateChain([f.device]).serialHex(at: 0))) {
            try ChainVerifier(revocationLists: [reparsed]).verify(f.chain)
        }
        // Checked in two steps (links while the lists are fetched, then revocation), the same.
        try ChainVerifier().verifyLinks(f.chain)
        #expect(throws: IdentityError.revoked(serial: CertificateChain([f.device]).serialHex(at: 0))) {
            try ChainVerifier(revocationLists: [reparsed]).checkRevocation(f.chain)
        }
        // A list signed by someone else does not revoke anything.
        let forged = try RevocationList.sign(entries: crl.entries, number: [1], issuer: f.ca, key: f.caKey)
        try ChainVerifier(revocationLists: [forged]).verify(f.chain)
        try ChainVerifier(revocationLists: [forged]).checkRevocation(f.chain)
    }
}
