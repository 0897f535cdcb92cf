import Daemon
import Hummingbird
import Logging

extension DaemonError {
    var status: HTTPResponse.Status {
        switch self {
        case .noSuchAccount, .noSuchContact, .noSuchRequest, .nameNotFound: .notFound
        case .invalid, .passwordRequired: .badRequest
        case .wrongPassword: .forbidden
        case .nameServer: .badGateway
        case .network: .serviceUnavailable
        case .storage: .internalServerError
        }
    }

    /// What the client is told: our own words only. A daemon error's text may end in the
    /// description of a library's error (a TLS failure, an unknown host, an ASN.1 parse error),
    /// always after our own context and a colon; those tails are cut here and kept in the log.
    var publicMessage: String {
        switch self {
        case .noSuchAccount, .noSuchContact, .noSuchRequest, .nameNotFound, .passwordRequired, .wrongPassword:
            String(description.prefix(200))
        case .invalid(let why):
            // "malformed data: certificate: <library error>": two levels of our context at most.
            Self.leading(2, of: why)
        case .nameServer(let why):
            // The name client's messages are "<our phrase>: <detail>"; the detail may be a library's or the server's.
            "name server: " + Self.leading(1, of: why)
        case .network(let why):
            Self.leading(1, of: why)
        case .storage:
            "storage error (the daemon's log has the details)"
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
    /// Runs `body`, turning daemon errors into HTTP errors with ``DaemonError/publicMessage``;
    /// the full error goes to the log.
    func answering<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as DaemonError {
            let level: Logger.Level = e.status.code >= 500 ? .notice : .debug
            logger.log(level: level, "API request failed", metadata: ["status": "\(e.status.code)", "error": "\(e)"])
            throw HTTPError(e.status, message: e.publicMessage)
        }
    }
}
