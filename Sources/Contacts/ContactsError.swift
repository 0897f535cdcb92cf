/// Why a contact-protocol message or a request about a contact was refused.
public enum ContactsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not the msgpack shape Jami sends.
    case malformed(String)
    /// A trust request for another service than Jami's `cx.ring`.
    case wrongService(String)
    /// A device announcement not signed by the account it is stored under, or whose `pk` is not
    /// the device it names.
    case badAnnouncement(String)
    /// A peer reference that is neither a 40-hex id, a `jami:`/`ring:` URI nor a username.
    case invalidPeer(String)
    /// A `user@host` reference whose host part is refused (bad port, userinfo, non-ASCII name…).
    case invalidServer(String, String)
    /// The profile would push the encrypted request over the DHT's 64 KiB value limit.
    case payloadTooLarge(Int, limit: Int)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed message: \(why)"
        case .wrongService(let s): "not a Jami trust request (service '\(s)')"
        case .badAnnouncement(let why): "invalid device announcement: \(why)"
        case .invalidPeer(let s): "'\(s)' is not a Jami id, jami: URI or username"
        case .invalidServer(let s, let why): "'\(s)' names an unusable name server: \(why)"
        case .payloadTooLarge(let n, let limit): "profile of \(n) bytes is over the \(limit)-byte limit (shrink the avatar)"
        }
    }
}
