import DHT
import Identity

extension Value {
    /// This value signed by `key` (OpenDHT's `Value::sign`): `owner` becomes the key's DER
    /// SubjectPublicKeyInfo and `signature` the RSA PKCS#1 v1.5 SHA-512 signature of the body.
    public func signed(by key: RSAPrivateKey, seq: UInt16? = nil) throws(SecureDHTError) -> Value {
        var v = self
        v.cypher = nil
        v.owner = key.publicKey.spkiDER
        if let seq { v.seq = seq }
        do {
            v.signature = try key.sign(v.bodyBytes())
        } catch {
            throw .invalidIdentity("signing failed: \(error)")
        }
        return v
    }

    /// The signer's key. Nil for unsigned values.
    public func ownerKey() throws(SecureDHTError) -> RSAPublicKey? {
        guard let owner else { return nil }
        do {
            return try RSAPublicKey(pemOrDER: owner)
        } catch {
            throw .badOwnerKey
        }
    }

    /// The signer's public-key id (SHA-1 of `owner`), without parsing the key.
    public var ownerID: InfoHash? { owner.map { InfoHash.hashing($0) } }

    /// Throws unless this value is signed and its signature verifies. Cost: one RSA public
    /// operation (tens of microseconds for RSA-4096) plus re-packing the body.
    public func verifySignature() throws(SecureDHTError) {
        guard isSigned, let key = try ownerKey() else { throw .badSignature }
        guard key.isValidSignature(signature, for: bodyBytes()) else { throw .badSignature }
    }

    /// This value signed by `signer`, addressed to `recipient`, then encrypted to it
    /// (OpenDHT's `Value::encrypt`): only `id` and `priority` stay visible.
    public func encrypted(to recipient: RSAPublicKey, signedBy signer: RSAPrivateKey) throws(SecureDHTError) -> Value {
        var inner = self
        inner.recipient = InfoHash(recipient.id)
        let signedValue = try inner.signed(by: signer)
        var sealed = Value(id: id, cypher: try HybridCipher.seal(signedValue.wrapperBytes(), to: recipient))
        sealed.priority = priority
        return sealed
    }

    /// The clear value inside an encrypted one, checked as OpenDHT's `Value::decrypt` does: the
    /// recipient must be `key`'s id and the signature must verify.
    public func decrypted(with key: RSAPrivateKey) throws(SecureDHTError) -> Value {
        guard let cypher else { return self }
        let clear = try HybridCipher.open(cypher, with: key)
        var v: Value
        do {
            v = try Value(id: id, wrapper: clear)
        } catch {
            throw .malformedValue("\(error)")
        }
        v.priority = priority
        guard let to = v.recipient, to.bytes == key.publicKey.id.bytes else { throw .recipientMismatch }
        try v.verifySignature()
        return v
    }
}

extension InfoHash {
    /// The DHT key of a public-key id (the same 20 bytes).
    public init(_ id: PublicKeyID) {
        self = InfoHash(bytes: id.bytes)!  // safe: a PublicKeyID is always 20 bytes
    }
}
