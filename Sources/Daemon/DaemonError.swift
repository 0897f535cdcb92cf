import Contacts
import DaemonWire
import Identity
import NameClient

/// Why a daemon operation failed: a ``code`` saying what kind of failure it is, which the API
/// maps to an HTTP status and the CLI to its message, and a ``context``: the id or name it is
/// about, or our words for what failed ("cannot start the DHT node: <the library's error>").
/// The text is built from both when asked for (``description``).
///
/// The constructors keep the names of the enum this used to be, so `throw .noSuchContact(id)`
/// and `throw .network("…")` read as before; test the kind with the code:
/// `if error.code == .network { … }`.
public struct DaemonError: Error, Sendable, Equatable, CustomStringConvertible {
    public typealias Code = API.ErrorCode

    public let code: Code
    public let context: String
    /// Where it was thrown (`#fileID:#line`), for the log; not part of equality.
    public let location: String

    public init(_ code: Code, _ context: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.context = context
        location = "\(fileID):\(line)"
    }

    public static func == (a: DaemonError, b: DaemonError) -> Bool { a.code == b.code && a.context == b.context }

    public var description: String {
        switch code {
        case .noSuchAccount: "no account \(context)"
        case .noSuchContact: "\(context) is not a contact"
        case .noSuchRequest: "no pending request from \(context)"
        case .passwordRequired: "this archive is protected by a password"
        case .wrongPassword: "wrong password"
        case .nameNotFound: "no account is registered as '\(context)'"
        case .nameServer, .nameServerUnreachable, .nameServerBadAnswer: "name server: \(context)"
        case .storage: "storage error: \(context)"
        case .network: "network error: \(context)"
        case .connectionFailed: "cannot connect: \(context)"
        case .noSuchPeer: "no valid device \(context)"
        case .noSuchConversation: "no conversation \(context)"
        case .noSuchMessage: "no message \(context)"
        case .notAllowed: "not allowed: \(context)"
        default: context
        }
    }
}

extension DaemonError {
    public static func noSuchAccount(_ id: String, fileID: String = #fileID, line: Int = #line) -> DaemonError {
        DaemonError(.noSuchAccount, id, fileID: fileID, line: line)
    }

    public static func noSuchContact(_ id: String, fileID: String = #fileID, line: Int = #line) -> DaemonError {
        DaemonError(.noSuchContact, id, fileID: fileID, line: line)
    }

    public static func noSuchRequest(_ id: String, fileID: String = #fileID, line: Int = #line) -> DaemonError {
        DaemonError(.noSuchRequest, id, fileID: fileID, line: line)
    }

    public static func invalid(_ why: String, fileID: String = #fileID, line: Int = #line) -> DaemonError {
        DaemonError(.invalid, why, fileID: fileID, line: line)
    }

    /// The account's archive is protected and no password was given.
    public static var passwordRequired: DaemonError { DaemonError(.passwordRequired, "") }

    public static var wrongPassword: DaemonError { DaemonError(.wrongPassword, "") }

    public static func nameNotFound(_ name: String, fileID: String = #fileID, line: Int = #line) -> DaemonError {
        DaemonError(.nameNotFound, name, fileID: fileID, line: line)
    }

    /// A name-server failure without a finer code; prefer ``init(_:name:fileID:line:)``.
    public static func nameServer(_ why: String, fileID: String = #fileID, line: Int = #line) -> DaemonError {
        DaemonError(.nameServer, why, fileID: fileID, line: line)
    }

    public static func storage(_ why: String, fileID: String = #fileID, line: Int = #line) -> DaemonError {
        DaemonError(.storage, why, fileID: fileID, line: line)
    }

    public static func network(_ why: String, fileID: String = #fileID, line: Int = #line) -> DaemonError {
        DaemonError(.network, why, fileID: fileID, line: line)
    }
}

extension DaemonError {
    init(_ e: ContactsError, fileID: String = #fileID, line: Int = #line) { self.init(.invalid, e.description, fileID: fileID, line: line) }

    init(_ e: IdentityError, fileID: String = #fileID, line: Int = #line) {
        switch e {
        case .wrongPassword: self.init(.wrongPassword, "", fileID: fileID, line: line)
        case .passwordRequired: self.init(.passwordRequired, "", fileID: fileID, line: line)
        default: self.init(.invalid, e.description, fileID: fileID, line: line)
        }
    }

    /// A failed lookup of `name`, with the name client's reason kept as a code: not registered,
    /// unreachable, or an answer we cannot use.
    init(_ e: NameClientError, name: String, fileID: String = #fileID, line: Int = #line) {
        let code: Code = switch e {
        case .notFound: .nameNotFound
        case .unreachable: .nameServerUnreachable
        case .forgedAnswer, .serverError, .badRedirect: .nameServerBadAnswer
        case .invalidName, .invalidAddress, .invalidServer, .taken, .rejected, .badSignature, .rateLimited: .nameServer
        }
        self.init(code, code == .nameNotFound ? name : e.description, fileID: fileID, line: line)
    }
}
