/// Everything that can go wrong reading, checking or writing identity material. Messages are meant
/// for people: "wrong password", not a stack trace.
public enum IdentityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// PEM or DER that does not decode as the expected object.
    case malformed(String)
    /// An RSA key of a size we refuse (Jami keys are 4096 bits; we accept 2048...8192).
    case unsupportedKey(String)
    /// The archive password is wrong (or the archive was tampered with: AES-GCM cannot tell).
    case wrongPassword
    /// An archive is encrypted and no password was given.
    case passwordRequired
    /// A certificate chain that does not verify; the reason says which link failed and why.
    case invalidChain(String)
    /// A certificate listed in its issuer's revocation list.
    case revoked(serial: String)
    /// A file could not be read or written.
    case io(String)
    /// A device, account or other object that is not there.
    case notFound(String)

    public var description: String {
        switch self {
        case .malformed(let s): "malformed data: \(s)"
        case .unsupportedKey(let s): "unsupported key: \(s)"
        case .wrongPassword: "wrong password"
        case .passwordRequired: "this archive is protected by a password"
        case .invalidChain(let s): "invalid certificate chain: \(s)"
        case .revoked(let serial): "certificate \(serial) has been revoked"
        case .io(let s): s
        case .notFound(let s): "not found: \(s)"
        }
    }
}
