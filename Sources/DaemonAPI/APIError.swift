import Daemon
import DaemonWire
import Hummingbird

/// Every error answer of the local API: a code (``API/ErrorCode``, whose status is given in one
/// place, DaemonError+HTTP.swift) and a message in our own words, sent as ``API/ErrorBody``.
struct APIError: HTTPResponseError, CustomStringConvertible {
    let code: API.ErrorCode
    let status: HTTPResponse.Status
    let message: String
    var headers: HTTPFields = [:]

    init(_ code: API.ErrorCode, _ message: String, headers: HTTPFields = [:]) {
        self.code = code
        status = code.status
        self.message = message
        self.headers = headers
    }

    /// A daemon error as the client is told it: ``DaemonError/publicMessage``.
    init(_ error: DaemonError) {
        self.init(error.code, error.publicMessage)
    }

    /// An error of Hummingbird's own (a body that does not decode, no such route, a body over
    /// the limit), given a code by its status; the status and message stay as they were.
    init(_ error: HTTPError) {
        code = switch error.status {
        case .badRequest: .invalid
        case .unauthorized: .unauthorized
        case .notFound: .noSuchRoute
        case .contentTooLarge: .tooLarge
        case .internalServerError: .internal
        default: .http
        }
        status = error.status
        message = error.body ?? error.status.reasonPhrase
        headers = error.headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(API.ErrorBody(code: code, message: message), from: request, context: context)
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }

    var description: String { "\(status.code) \(code.rawValue): \(message)" }
}
