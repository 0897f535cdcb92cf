/// Why a `sync://` message was refused.
public enum SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    /// One message over the 65535 bytes of a frame (jamid parses a frame as one message).
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed sync message: \(why)"
        case .tooLarge(let n): "a sync message of \(n) bytes (a frame holds 65535)"
        }
    }
}
