import DaemonWire
import Foundation
import NIOHTTP1

/// Why a call to the daemon failed: it does not run, cannot be reached, or answered with an
/// error (``api(status:code:message:)``, with the API's code when the daemon sent one this client knows).
public enum DaemonClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case notRunning(String)
    case notReachable(String, String)
    /// `api.json` names an address no client should dial (file, reason).
    case invalidEndpoint(String, String)
    /// A `401`: the daemon's message.
    case unauthorized(String)
    /// Any other error answer: its status, its ``API/ErrorCode`` (nil when it had none or one
    /// this client does not know: then the status says what kind it is) and its message.
    case api(status: Int, code: API.ErrorCode?, message: String)
    case transport(String)

    public var description: String {
        switch self {
        case .notRunning(let home): "daemon not running (home \(home)): start it with `rafiki daemon` or `rafikid`"
        case .notReachable(let url, let why): "daemon not reachable at \(url): \(why)"
        case .invalidEndpoint(let file, let why): "\(file) names an unusable address (\(why)): restart rafikid to rewrite it"
        case .unauthorized(let why): "the daemon refused the API token: \(why)"
        case .api(_, _, let message): message
        case .transport(let why): why
        }
    }

    /// The code of an error answer (``API/ErrorCode/unauthorized`` for a `401`); nil otherwise.
    public var code: API.ErrorCode? {
        switch self {
        case .unauthorized: .unauthorized
        case .api(_, let code, _): code
        default: nil
        }
    }

    /// An error answer: the API's body when it has one (``API/ErrorBody``), else the status's phrase.
    init(status: HTTPResponseStatus, body: [UInt8]) {
        let detail = (try? JSONDecoder().decode(API.ErrorBody.self, from: Data(body)))?.error
        let message = detail?.message ?? status.reasonPhrase
        self = status == .unauthorized ? .unauthorized(message) : .api(status: Int(status.code), code: detail?.errorCode, message: message)
    }
}
