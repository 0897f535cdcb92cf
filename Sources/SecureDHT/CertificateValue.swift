import DHT
import Identity
import MessagePack

/// The type-8 value a node with an identity publishes at its public-key id (§6.4): id 1,
/// permanent, `data` = msgpack bin holding the PEM certificate chain, leaf first.
public enum CertificateValue {
    public static let valueID: UInt64 = 1

    public static func make(_ chain: CertificateChain) -> Value {
        var w = MessagePackWriter(capacity: 8192)
        w.writeBinary(Array(chain.pem.utf8))
        return Value(id: valueID, type: ValueType.certificate.id, data: w.bytes)
    }

    /// The chain in a certificate value, if it parses and its leaf's key id is `key` (the only
    /// place a certificate may be stored).
    public static func chain(in value: Value, expectedAt key: InfoHash) -> CertificateChain? {
        guard !value.isEncrypted, value.type == ValueType.certificate.id,
              let chain = try? CertificateChain(pemOrDER: value.data),
              chain.leaf.keyID.bytes == key.bytes
        else { return nil }
        return chain
    }
}
