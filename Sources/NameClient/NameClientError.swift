/// Why a name-server request failed, in terms a user can act on.
public enum NameClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidName
    case invalidAddress
    case notFound
    /// The name belongs to another account, or the account already has another name.
    case taken(String)
    /// The server refused the request, with its reason.
    case rejected(String)
    case badSignature
    case rateLimited
    /// The answer's public key or signature does not match: the server (or someone in
    /// between) lies about who owns the name.
    case forgedAnswer(String)
    case unreachable(String)
    /// The server address (given, configured or in a `user@host` query) is refused before any
    /// connection, with the reason.
    case invalidServer(String)
    /// The server redirected somewhere we do not go: an invalid or downgraded URL, a loop, or
    /// more than the allowed number of hops.
    case badRedirect(String)
    case serverError(status: Int, message: String)

    public var description: String {
        switch self {
        case .invalidName: "invalid name: use 3 to 32 characters among a-z, 0-9, '-' and '_'"
        case .invalidAddress: "invalid account id: expected 40 hexadecimal digits"
        case .notFound: "not found"
        case .taken(let why): "already taken: \(why)"
        case .rejected(let why): "refused by the name server: \(why)"
        case .badSignature: "the name server could not verify the registration's signature"
        case .rateLimited: "the name server limits registrations from this address; try again later"
        case .forgedAnswer(let why): "the name server's answer does not check out (\(why)); not trusting it"
        case .unreachable(let why): "name server unreachable: \(why)"
        case .invalidServer(let why): "invalid name server address: \(why)"
        case .badRedirect(let why): "name server redirect not followed: \(why)"
        case .serverError(let status, let message): "name server error \(status)\(message.isEmpty ? "" : ": " + message)"
        }
    }
}
