import Crypto

/// A TURN account (RFC 5389 §10.2 long-term credentials). Jami's default is `ring`/`ring` on
/// turn.jami.net.
public struct TURNCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// The MESSAGE-INTEGRITY key once the server named its realm: MD5(username:realm:password).
    /// (RFC 5389 asks for SASLprep of the password; Jami's and coturn's accounts are ASCII.)
    public func key(realm: String) -> [UInt8] {
        Array(Insecure.MD5.hash(data: Array("\(username):\(realm):\(password)".utf8)))
    }
}
