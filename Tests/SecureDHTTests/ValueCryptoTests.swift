import DHT
import Identity
import Testing
@testable import SecureDHT

/// Signing, verification and OpenDHT's hybrid encryption of values, with RSA-4096 keys as Jami uses.
@Suite struct ValueCryptoTests {
    static let alice = Keys.make("alice")
    static let bob = Keys.make("bob")

    @Test func signedValueVerifiesAndTamperingIsCaught() throws {
        let v = try Value(id: 42, data: Array("hello".utf8), userType: "text/plain").signed(by: Self.alice.key, seq: 3)
        #expect(v.owner == Self.alice.key.publicKey.spkiDER)
        #expect(v.signature.count == 512)
        #expect(v.ownerID == InfoHash(Self.alice.key.publicKey.id))
        try v.verifySignature()
        // The packed form round-trips and still verifies: readers re-pack the body.
        try Value(packed: v.packed()).verifySignature()

        for tamper in [{ (x: inout Value) in x.data[0] ^= 1 }, { $0.seq += 1 }, { $0.type = 3 }, { $0.userType = "x" },
                       { $0.owner = Self.bob.key.publicKey.spkiDER }, { $0.signature[10] ^= 0x80 }] {
            var bad = v
            tamper(&bad)
            #expect(throws: SecureDHTError.badSignature) { try bad.verifySignature() }
        }
        var garbageOwner = v
        garbageOwner.owner = [0x30, 0x03, 0x02, 0x01, 0x00]
        #expect(throws: SecureDHTError.badOwnerKey) { try garbageOwner.verifySignature() }
    }

    @Test(arguments: [0, 16, 400, 5_000, 60_000])
    func encryptedValueRoundTrips(size: Int) throws {
        let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let plain = Value(id: 7, type: 4, data: data, userType: "t")
        let sealed = try plain.encrypted(to: Self.bob.key.publicKey, signedBy: Self.alice.key)
        #expect(sealed.isEncrypted && sealed.id == 7 && sealed.owner == nil && sealed.data.isEmpty)
        // Only the cypher is visible: a small wrapper fits one RSA block, a big one does not.
        let wrapper = try plain.signed(by: Self.alice.key).wrapperBytes().count + 25  // + "to": bin(20)
        #expect(sealed.cypher!.count == (wrapper <= 501 ? 512 : 512 + 12 + wrapper + 16))
        let opened = try Value(packed: sealed.packed()).decrypted(with: Self.bob.key)
        #expect(opened.data == data && opened.type == 4 && opened.userType == "t")
        #expect(opened.recipient == InfoHash(Self.bob.key.publicKey.id))
        #expect(opened.ownerID == InfoHash(Self.alice.key.publicKey.id))
    }

    @Test func onlyTheRecipientCanDecrypt() throws {
        let sealed = try Value(id: 1, data: Array("for bob".utf8)).encrypted(to: Self.bob.key.publicKey, signedBy: Self.alice.key)
        #expect(throws: SecureDHTError.self) { try sealed.decrypted(with: Self.alice.key) }
        // A value encrypted to bob but claiming another recipient inside is refused by bob.
        var inner = try Value(id: 1, data: [1]).signed(by: Self.alice.key)
        inner.recipient = InfoHash(Self.alice.key.publicKey.id)
        inner = try inner.signed(by: Self.alice.key)
        let misaddressed = Value(id: 1, cypher: try HybridCipher.seal(inner.wrapperBytes(), to: Self.bob.key.publicKey))
        #expect(throws: SecureDHTError.recipientMismatch) { try misaddressed.decrypted(with: Self.bob.key) }
        // An unsigned wrapper, correctly addressed, is refused too (values are signed, then encrypted).
        var unsigned = Value(id: 1, data: [1])
        unsigned.owner = nil
        let anonymous = Value(id: 1, cypher: try HybridCipher.seal(unsigned.wrapperBytes(), to: Self.bob.key.publicKey))
        #expect(throws: SecureDHTError.self) { try anonymous.decrypted(with: Self.bob.key) }
    }

    @Test func shortPlaintextIsOneRSABlock() throws {
        let pub = Self.bob.key.publicKey
        for size in [0, 1, 501] {
            let plain = [UInt8](repeating: 7, count: size)
            let cypher = try HybridCipher.seal(plain, to: pub)
            #expect(cypher.count == 512)
            #expect(try HybridCipher.open(cypher, with: Self.bob.key) == plain)
        }
        #expect(try HybridCipher.seal([UInt8](repeating: 7, count: 502), to: pub).count == 512 + 12 + 502 + 16)
    }

    @Test func hostileCyphersGetTypedErrors() throws {
        let good = try HybridCipher.seal(Array(repeating: 9, count: 2000), to: Self.bob.key.publicKey)
        let cases: [[UInt8]] = [
            [], Array(good.prefix(100)), Array(good.prefix(512)), Array(good.prefix(530)),
            Array(good.dropLast()), good.enumerated().map { $0.offset == 600 ? $0.element ^ 1 : $0.element },
            good.enumerated().map { $0.offset == 3 ? $0.element ^ 1 : $0.element },
            Array(repeating: 0xff, count: 4096),
        ]
        for c in cases {
            #expect(throws: SecureDHTError.self) { _ = try Value(id: 1, cypher: c).decrypted(with: Self.bob.key) }
        }
    }
}

/// A key pair and a self-signed certificate, as OpenDHT's `generateIdentity` makes.
struct Keys: Sendable {
    let key: RSAPrivateKey
    let chain: CertificateChain
    var identity: DeviceIdentity { DeviceIdentity(key: key, chain: chain) }

    static func make(_ name: String, bits: Int = 4096) -> Keys {
        let key = try! RSAPrivateKey.generate(bits: bits)  // safe: 4096 is a supported size
        return Keys(key: key, chain: CertificateChain([try! JamiCertificates.selfSignedCA(key: key, commonName: name)]))  // safe: fresh key
    }
}
