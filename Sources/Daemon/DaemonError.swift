import Contacts
import Identity

/// Why a daemon operation failed; the API maps each case to an HTTP status.
public enum DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchAccount(String)
    case noSuchContact(String)
    case noSuchRequest(String)
    case invalid(String)
    /// The account's archive is protected and no password was given.
    case passwordRequired
    case wrongPassword
    case nameNotFound(String)
    case nameServer(String)
    case storage(String)
    case network(String)

    public var description: String {
        switch self {
        case .noSuchAccount(let id): "no account \(id)"
        case .noSuchContact(let id): "\(id) is not a contact"
        case .noSuchRequest(let id): "no pending request from \(id)"
        case .invalid(let why): why
        case .passwordRequired: "this archive is protected by a password"
        case .wrongPassword: "wrong password"
        case .nameNotFound(let name): "no account is registered as '\(name)'"
        case .nameServer(let why): "name server: \(why)"
        case .storage(let why): "storage error: \(why)"
        case .network(let why): "network error: \(why)"
        }
    }

    init(_ e: ContactsError) { self = .invalid(e.description) }

    init(_ e: IdentityError) {
        switch e {
        case .wrongPassword: self = .wrongPassword
        case .passwordRequired: self = .passwordRequired
        default: self = .invalid(e.description)
        }
    }
}
