/// Why the name server refuses a request. Each case maps to the status code and message of
/// Jami's protocol, which is what decides how jamid reports it to its user. One case is a
/// client's refusal: ``invalidServer``, a server address that is not used at all.
public enum NameServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidName
    case invalidAddress
    case malformedBody(String)
    case bodyTooLarge
    case missingPublicKey
    case missingSignature
    /// The public key's id is not the address being registered.
    case keyMismatch
    case badSignature
    /// The name belongs to another account (names are never reassigned).
    case nameTaken
    /// The address already has another name.
    case addressHasName(String)
    case rateLimited
    case storeUnavailable
    /// A server URL or host (typed, configured or sent in a redirect) that is refused before
    /// anything connects to it, with the reason.
    case invalidServer(String)

    /// HTTP status, following the reference server (jamid: 400 incomplete, 401 bad signature,
    /// 403/409 taken).
    public var status: Int {
        switch self {
        case .invalidName, .invalidAddress, .malformedBody, .missingPublicKey, .missingSignature, .invalidServer: 400
        case .keyMismatch, .badSignature: 401
        case .nameTaken, .addressHasName: 403
        case .bodyTooLarge: 413
        case .rateLimited: 429
        case .storeUnavailable: 500
        }
    }

    public var description: String {
        switch self {
        case .invalidName: "invalid name"
        case .invalidAddress: "invalid address"
        case .malformedBody(let why): "malformed request body: \(why)"
        case .bodyTooLarge: "request body too large"
        case .missingPublicKey: "publickey not found or invalid"
        case .missingSignature: "signature not found or invalid"
        case .keyMismatch: "publickey does not match addr"
        case .badSignature: "signature verification failed"
        case .nameTaken: "name already registered"
        case .addressHasName(let name): "address already registered with name \(name)"
        case .rateLimited: "too many registrations, try again later"
        case .storeUnavailable: "server error"
        case .invalidServer(let why): "invalid server address: \(why)"
        }
    }
}

extension NameServiceError {
    /// The description without the category: for ``invalidServer(_:)`` the reason alone, for a
    /// message that already says which address it is about.
    public var reason: String {
        if case .invalidServer(let why) = self { return why }
        return description
    }
}
