extension API {
    /// What went wrong, in words a program can test: the `code` of every error answer. The
    /// daemon's errors carry one (`DaemonError.code`); the server maps each to its HTTP status in
    /// one place (DaemonAPI, DaemonError+HTTP.swift), the CLI to its message in one place
    /// (rafiki, ErrorMessages.swift). New codes may come with new daemons: a client reads the
    /// code as a string first (``ErrorBody/Detail/code``) and falls back to the HTTP status.
    public enum ErrorCode: String, Sendable, Codable, CaseIterable {
        /// A bad id, value, body or query; the message says which.
        case invalid = "input.invalid"
        /// The body is over the server's limit.
        case tooLarge = "input.tooLarge"
        /// The archive has a password and none was given.
        case passwordRequired = "password.required"
        case wrongPassword = "password.wrong"
        case noSuchAccount = "account.notFound"
        case noSuchContact = "contact.notFound"
        case noSuchRequest = "request.notFound"
        /// No account is registered under the username.
        case nameNotFound = "name.notFound"
        /// The name server did not answer (connection, TLS, timeout).
        case nameServerUnreachable = "nameServer.unreachable"
        /// The name server answered with something we do not trust or cannot use: a forged
        /// record, an error status, an unreadable body, a redirect we do not follow.
        case nameServerBadAnswer = "nameServer.badAnswer"
        /// Any other name-server failure.
        case nameServer = "nameServer.failed"
        /// No peer connection could be made (no answer, no path, TLS refused); the message says why.
        case connectionFailed = "connection.failed"
        /// The peer device is not known or not valid (no certificate, revoked, another account).
        case noSuchPeer = "peer.notFound"
        /// No conversation with that id on this device.
        case noSuchConversation = "conversation.notFound"
        /// No message with that id in the conversation (or not one this call can act on).
        case noSuchMessage = "message.notFound"
        /// No file with that id in the conversation, or not downloaded yet.
        case noSuchFile = "file.notFound"
        /// Not enough free disk space for the file.
        case noSpace = "storage.full"
        /// The conversation's rules do not allow it (only admins remove or ban, a 1:1 takes no
        /// one else, not invited, …); the message says which.
        case notAllowed = "conversation.notAllowed"
        /// The account is not online, or its DHT node could not start.
        case network = "network.unavailable"
        /// The daemon could not read or write its files; the detail is in its log only.
        case storage = "storage.failed"
        /// Refused before any route (docs/api.md, "Authentication"): a missing or wrong token,
        /// a web page of another origin, a `Host` other than localhost.
        case unauthorized = "access.token"
        case foreignOrigin = "access.origin"
        case foreignHost = "access.host"
        /// No such route: a typo, or a client newer than the daemon.
        case noSuchRoute = "route.notFound"
        /// An HTTP-level refusal with no code of its own; the status says which.
        case http = "http"
        /// A failure the daemon did not expect; the detail is in its log only.
        case `internal` = "internal"
    }

    /// The body of every error answer: `{"error": {"code": "contact.notFound", "message": "…"}}`.
    /// `message` is in the daemon's own words, for people (clients older than the codes read it only).
    public struct ErrorBody: Codable, Sendable, Equatable {
        public struct Detail: Codable, Sendable, Equatable {
            /// An ``ErrorCode`` raw value; kept as a string, so that a code this client does not
            /// know (a newer daemon), or none (a proxy's answer), still leaves the message readable.
            public var code: String?
            public var message: String

            /// The code, when this build knows it.
            public var errorCode: ErrorCode? { code.flatMap(ErrorCode.init(rawValue:)) }
        }

        public var error: Detail

        public init(code: ErrorCode, message: String) {
            error = Detail(code: code.rawValue, message: message)
        }
    }
}
