import Crypto
import Identity

/// OpenDHT's public-key encryption (`crypto::PublicKey::encrypt`, protocol §6.3).
///
/// A plaintext that fits one RSA PKCS#1 v1.5 block (k − 11 bytes) is that block alone. Anything
/// longer is `RSA-PKCS1(K) ‖ IV(12) ‖ AES-GCM-K(plaintext) ‖ tag(16)` with a fresh AES key K of the
/// largest size in {32, 24, 16} that fits a block (always 32 for keys of 2048 bits or more).
/// There is no AAD and no length field: the modulus size says where the RSA block ends.
public enum HybridCipher {
    static let ivSize = 12
    static let tagSize = 16

    /// Encrypts `plaintext` for `recipient`. Cost: one RSA public operation plus AES-GCM.
    public static func seal(_ plaintext: [UInt8], to recipient: RSAPublicKey) throws(SecureDHTError) -> [UInt8] {
        do {
            if plaintext.count <= recipient.maxPKCS1Plaintext {
                return try recipient.encryptPKCS1(plaintext)
            }
            let keyBytes = [32, 24, 16].first { $0 <= recipient.maxPKCS1Plaintext } ?? 16
            let key = SymmetricKey(size: .init(bitCount: keyBytes * 8))
            let rawKey = key.withUnsafeBytes { Array($0) }
            let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce())
            var out = try recipient.encryptPKCS1(rawKey)
            out.reserveCapacity(out.count + ivSize + plaintext.count + tagSize)
            out += box.nonce
            out += box.ciphertext
            out += box.tag
            return out
        } catch let e as SecureDHTError {
            throw e
        } catch {
            throw .undecryptable("encryption failed: \(error)")
        }
    }

    /// Decrypts a cypher made for `key`. Cost: one RSA private operation (a few ms for RSA-4096).
    public static func open(_ cypher: [UInt8], with key: RSAPrivateKey) throws(SecureDHTError) -> [UInt8] {
        let k = key.bits / 8
        guard cypher.count >= k else { throw .undecryptable("cypher shorter than one RSA block") }
        let block: [UInt8]
        do {
            block = try key.decryptPKCS1(cypher[..<k])
        } catch {
            throw .undecryptable("RSA block")
        }
        if cypher.count == k { return block }
        guard [16, 24, 32].contains(block.count) else { throw .undecryptable("bad AES key size \(block.count)") }
        guard cypher.count >= k + ivSize + tagSize else { throw .undecryptable("cypher too short for AES-GCM") }
        do {
            let nonce = try AES.GCM.Nonce(data: cypher[k..<k + ivSize])
            let box = try AES.GCM.SealedBox(
                nonce: nonce, ciphertext: cypher[(k + ivSize)..<(cypher.count - tagSize)], tag: cypher[(cypher.count - tagSize)...])
            return Array(try AES.GCM.open(box, using: SymmetricKey(data: block)))
        } catch {
            throw .undecryptable("AES-GCM tag mismatch")
        }
    }
}
