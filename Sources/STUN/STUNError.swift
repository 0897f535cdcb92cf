/// Why a STUN message was refused. Every parsing failure is one of these; nothing traps.
public enum STUNError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated
    /// The first two bits are not zero, or the magic cookie is wrong: not STUN.
    case notSTUN
    /// The header's length disagrees with the bytes, or is not a multiple of 4.
    case badLength(Int)
    /// An attribute runs past the end of the message.
    case badAttribute(type: UInt16)
    /// FINGERPRINT present but wrong, or not last.
    case badFingerprint
    /// MESSAGE-INTEGRITY missing or wrong.
    case badIntegrity
    /// More attributes than we take from anyone.
    case tooManyAttributes
    /// An address attribute with an unknown family or wrong size.
    case badAddress

    public var description: String {
        switch self {
        case .truncated: "truncated STUN message"
        case .notSTUN: "not a STUN message"
        case .badLength(let n): "STUN length \(n) does not match the message"
        case .badAttribute(let t): "STUN attribute 0x\(String(t, radix: 16)) runs past the message"
        case .badFingerprint: "STUN fingerprint is wrong or misplaced"
        case .badIntegrity: "STUN message integrity is missing or wrong"
        case .tooManyAttributes: "too many STUN attributes"
        case .badAddress: "malformed STUN address attribute"
        }
    }
}
