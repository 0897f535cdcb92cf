import DHT
import Identity

/// Why a signed or encrypted value was refused, or a secure operation could not be done.
public enum SecureDHTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The signature does not match the owner key and the signed body.
    case badSignature
    /// The `owner` field is not an RSA public key we accept.
    case badOwnerKey
    /// The cypher is too short, does not decrypt with our key, or fails its GCM tag.
    case undecryptable(String)
    /// The decrypted value is addressed to another key ("Recipient mismatch" in OpenDHT).
    case recipientMismatch
    /// The decrypted wrapper does not decode as a signed value.
    case malformedValue(String)
    /// No certificate for this public-key id was found on the DHT.
    case certificateNotFound(InfoHash)
    /// Signing or encrypting needs an identity; this node has none.
    case noIdentity
    /// The identity's key does not match its certificate, or the files are unusable.
    case invalidIdentity(String)

    public var description: String {
        switch self {
        case .badSignature: "bad signature"
        case .badOwnerKey: "owner is not a usable RSA public key"
        case .undecryptable(let why): "cannot decrypt: \(why)"
        case .recipientMismatch: "value is addressed to another key"
        case .malformedValue(let why): "malformed decrypted value: \(why)"
        case .certificateNotFound(let id): "no certificate found on the DHT for \(id.hex)"
        case .noIdentity: "this node has no identity (use --identity-dir)"
        case .invalidIdentity(let why): "invalid identity: \(why)"
        }
    }
}
