import Crypto
import _CryptoExtras
import FoundationEssentials

/// An RSA private key as Jami uses it: RSA-4096, PKCS#1 v1.5 signatures over SHA-512, PKCS#1 v1.5
/// decryption of OpenDHT's encrypted values. Never logged: `description` shows the public id only.
public struct RSAPrivateKey: Sendable, CustomStringConvertible {
    /// Smallest and largest modulus accepted from files and archives.
    public static let acceptedBits = 2048...8192

    let signing: _RSA.Signing.PrivateKey
    /// The same key for decryption, converted once: swift-crypto keeps the two uses apart.
    private let decryption: DecryptionKey

    init(signing: _RSA.Signing.PrivateKey) throws(IdentityError) {
        guard Self.acceptedBits.contains(signing.keySizeInBits) else {
            throw .unsupportedKey("RSA-\(signing.keySizeInBits)")
        }
        guard let decryption = try? _RSA.Encryption.PrivateKey(derRepresentation: signing.derRepresentation) else {
            throw .malformed("RSA private key")
        }
        self.signing = signing
        self.decryption = DecryptionKey(key: decryption)
    }

    /// A fresh RSA key (4096 bits unless told otherwise). Takes about a second; prime search time
    /// varies widely, so callers that need several keys should make them concurrently.
    public static func generate(bits: Int = 4096) throws(IdentityError) -> RSAPrivateKey {
        do {
            return try RSAPrivateKey(signing: _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits)))
        } catch let e as IdentityError {
            throw e
        } catch {
            throw .unsupportedKey("cannot generate RSA-\(bits): \(error)")
        }
    }

    /// Reads PEM (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY") or DER, as GnuTLS does.
    public init(pemOrDER bytes: [UInt8]) throws(IdentityError) {
        let key: _RSA.Signing.PrivateKey
        if let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN") {
            guard let k = try? _RSA.Signing.PrivateKey(pemRepresentation: text) else {
                throw .malformed(text.contains("ENCRYPTED") ? "encrypted private keys are not supported" : "private key PEM")
            }
            key = k
        } else {
            guard let k = try? _RSA.Signing.PrivateKey(derRepresentation: bytes) else { throw .malformed("private key DER") }
            key = k
        }
        try self.init(signing: key)
    }

    /// PKCS#8 PEM ("BEGIN PRIVATE KEY"), unencrypted: what GnuTLS writes for OpenDHT and Jami.
    public var pkcs8PEM: String { signing.pkcs8PEMRepresentation }

    public var publicKey: RSAPublicKey { RSAPublicKey(signing: signing.publicKey) }

    public var bits: Int { signing.keySizeInBits }

    /// RSA PKCS#1 v1.5 signature over SHA-512 of `data` (Jami and OpenDHT's application signatures).
    public func sign(_ data: some DataProtocol) throws(IdentityError) -> [UInt8] {
        do {
            return Array(try signing.signature(for: SHA512.hash(data: Array(data)), padding: .insecurePKCS1v1_5).rawRepresentation)
        } catch {
            throw .unsupportedKey("signing failed: \(error)")
        }
    }

    /// Undoes PKCS#1 v1.5 encryption to this key (OpenDHT's encrypted values).
    public func decryptPKCS1(_ block: some DataProtocol) throws(IdentityError) -> [UInt8] {
        do {
            return Array(try decryption.key.decrypt(Array(block), padding: ._WEAK_AND_INSECURE_PKCS_V1_5))
        } catch {
            throw .malformed("RSA decryption failed")
        }
    }

    /// swift-crypto does not mark `_RSA.Encryption.PrivateKey` Sendable, though it is the same
    /// immutable BoringSSL `RSA` object as the Sendable `_RSA.Signing.PrivateKey`: after
    /// parsing nothing mutates it, and BoringSSL locks the lazily built blinding and Montgomery
    /// caches inside `RSA_decrypt`, so concurrent decryptions are safe.
    private struct DecryptionKey: @unchecked Sendable {
        let key: _RSA.Encryption.PrivateKey
    }

    public var description: String { "RSAPrivateKey(\(bits) bits, id \(publicKey.id))" }
}

/// An RSA public key, identified by ``PublicKeyID`` (SHA-1 of its DER SubjectPublicKeyInfo).
public struct RSAPublicKey: Sendable, Hashable, CustomStringConvertible {
    let signing: _RSA.Signing.PublicKey
    /// DER SubjectPublicKeyInfo: what OpenDHT puts in a value's `owner` field.
    public let spkiDER: [UInt8]

    init(signing: _RSA.Signing.PublicKey) {
        self.signing = signing
        spkiDER = Array(signing.derRepresentation)
    }

    /// Reads a DER SubjectPublicKeyInfo (or PKCS#1), or the PEM of either.
    public init(pemOrDER bytes: [UInt8]) throws(IdentityError) {
        let key: _RSA.Signing.PublicKey?
        if let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN") {
            key = try? _RSA.Signing.PublicKey(pemRepresentation: text)
        } else {
            key = try? _RSA.Signing.PublicKey(derRepresentation: bytes)
        }
        guard let key else { throw .malformed("public key") }
        guard RSAPrivateKey.acceptedBits.contains(key.keySizeInBits) else { throw .unsupportedKey("RSA-\(key.keySizeInBits)") }
        self.init(signing: key)
    }

    public var id: PublicKeyID { PublicKeyID(spki: spkiDER) }
    /// PEM of the SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`), as GnuTLS prints it.
    public var pem: String { signing.pemRepresentation + "\n" }
    public var longId: DeviceLongID { DeviceLongID(spki: spkiDER) }
    public var bits: Int { signing.keySizeInBits }
    /// Largest plaintext one PKCS#1 v1.5 block holds (k − 11 bytes; 501 for RSA-4096).
    public var maxPKCS1Plaintext: Int { bits / 8 - 11 }

    /// Checks an RSA PKCS#1 v1.5 SHA-512 signature.
    public func isValidSignature(_ signature: some DataProtocol, for data: some DataProtocol) -> Bool {
        signing.isValidSignature(.init(rawRepresentation: Array(signature)), for: SHA512.hash(data: Array(data)), padding: .insecurePKCS1v1_5)
    }

    /// One PKCS#1 v1.5 encryption block (at most ``maxPKCS1Plaintext`` bytes in).
    public func encryptPKCS1(_ plaintext: some DataProtocol) throws(IdentityError) -> [UInt8] {
        do {
            let key = try _RSA.Encryption.PublicKey(derRepresentation: spkiDER)
            return Array(try key.encrypt(Array(plaintext), padding: ._WEAK_AND_INSECURE_PKCS_V1_5))
        } catch {
            throw .malformed("RSA encryption failed: \(error)")
        }
    }

    public static func == (a: Self, b: Self) -> Bool { a.spkiDER == b.spkiDER }
    public func hash(into h: inout Hasher) { h.combine(spkiDER) }
    public var description: String { "RSAPublicKey(\(bits) bits, id \(id))" }
}
