import Daemon
import Hummingbird

extension DaemonError {
    /// The HTTP answer for this error, with its description as the message.
    var httpError: HTTPError {
        let status: HTTPResponse.Status = switch self {
        case .noSuchAccount, .noSuchContact, .noSuchRequest, .nameNotFound: .notFound
        case .invalid, .passwordRequired: .badRequest
        case .wrongPassword: .forbidden
        case .nameServer: .badGateway
        case .network: .serviceUnavailable
        case .storage: .internalServerError
        }
        return HTTPError(status, message: description)
    }
}

/// Runs `body`, turning daemon errors into HTTP errors.
func answering<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as DaemonError {
        throw e.httpError
    }
}
