import Daemon
import DaemonWire
import Hummingbird
import Logging

extension API.ErrorCode {
    /// The HTTP status of each code: the one place the API decides it (docs/api.md, "Errors").
    var status: HTTPResponse.Status {
        switch self {
        case .invalid, .passwordRequired: .badRequest
        case .tooLarge: .contentTooLarge
        case .unauthorized: .unauthorized
        case .wrongPassword, .foreignOrigin, .notAllowed: .forbidden
        case .noSuchAccount, .noSuchContact, .noSuchRequest, .nameNotFound, .noSuchRoute, .noSuchPeer, .noSuchConversation, .noSuchMessage, .noSuchFile: .notFound
        case .noSpace: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        case .connectionFailed: .badGateway
        case .foreignHost: .misdirectedRequest
        case .nameServerUnreachable, .nameServerBadAnswer, .nameServer: .badGateway
        case .network: .serviceUnavailable
        case .storage, .internal: .internalServerError
        // Stands for an HTTP error of Hummingbird's, whose own status APIError keeps.
        case .http: .badRequest
        }
    }
}

extension DaemonError {
    var status: HTTPResponse.Status { code.status }

    /// What the client is told: our own words only. A daemon error's text may end in the
    /// description of a library's error (a TLS failure, an unknown host, an ASN.1 parse error),
    /// always after our own context and a colon; those tails are cut here and kept in the log.
    var publicMessage: String {
        switch code {
        case .invalid:
            // "malformed data: certificate: <library error>": two levels of our context at most.
            Self.leading(2, of: context)
        case .nameServer, .nameServerUnreachable, .nameServerBadAnswer:
            // The name client's messages are "<our phrase>: <detail>"; the detail may be a library's or the server's.
            "name server: " + Self.leading(1, of: context)
        case .network:
            Self.leading(1, of: context)
        case .storage:
            "storage error (the daemon's log has the details)"
        default:
            // Ids and names we were given, or fixed words.
            String(description.prefix(200))
        }
    }

    /// The first `count` ": "-separated parts of `text`, at most 200 characters.
    static func leading(_ count: Int, of text: String) -> String {
        var parts: [Substring] = []
        var rest = Substring(text)
        while parts.count < count {
            guard let colon = rest.range(of: ": ") else {
                parts.append(rest)
                break
            }
            parts.append(rest[..<colon.lowerBound])
            rest = rest[colon.upperBound...]
        }
        return String(parts.joined(separator: ": ").prefix(200))
    }
}

extension DaemonRoutes {
    /// Runs `body`, turning daemon errors into ``APIError``s with ``DaemonError/publicMessage``;
    /// the full error goes to the log.
    func answering<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as DaemonError {
            let level: Logger.Level = e.status.code >= 500 ? .notice : .debug
            logger.log(level: level, "API request failed", metadata: [
                "status": "\(e.status.code)", "code": "\(e.code.rawValue)", "error": "\(e)", "at": "\(e.location)",
            ])
            throw APIError(e)
        }
    }
}
