/// Why a file offer, a channel name or received bytes were refused. Every case names what was
/// wrong so the daemon can log it and report the transfer failed.
public enum TransferError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `data-transfer+json` commit without a usable `tid`, size or checksum.
    case malformedOffer(String)
    /// A file id or channel name that is not one of ours (bad characters, path parts, ranges).
    case malformedRequest(String)
    /// The peer sent more bytes than the offer's size.
    case tooLong(expected: UInt64)
    /// The channel ended before the offer's size.
    case tooShort(received: UInt64, expected: UInt64)
    /// All bytes arrived but their SHA3-512 is not the offer's.
    case checksumMismatch

    public var description: String {
        switch self {
        case .malformedOffer(let why): "malformed file offer: \(why)"
        case .malformedRequest(let why): "malformed transfer request: \(why)"
        case .tooLong(let expected): "the peer sent more than the \(expected) bytes offered"
        case .tooShort(let received, let expected): "the transfer ended at \(received) of \(expected) bytes"
        case .checksumMismatch: "the file's SHA3-512 is not the one offered"
        }
    }
}
