import Daemon
import DaemonClient
import DaemonWire

/// What the CLI prints when the daemon refuses something: the daemon's own message, and for the
/// codes where a person can act, what to do next. The one place codes become CLI words; every
/// such error exits with status 1 (usage errors, found before any call, exit with 64).
enum ErrorMessages {
    static func text(code: API.ErrorCode?, message: String) -> String {
        guard let code else { return message }
        return switch code {
        case .passwordRequired: message + ": run again with --password"
        case .wrongPassword: message + " (RAFIKI_PASSWORD, when set, is the password tried)"
        case .noSuchAccount: message + " (see `rafiki account list`)"
        case .noSuchContact: message + " (see `rafiki contact list --all`)"
        case .noSuchRequest: message + " (see `rafiki contact requests`)"
        case .nameServerUnreachable: message + " (check the network and the daemon's nameServer setting)"
        case .nameServerBadAnswer: message + " (its answer was not trusted; the daemon's log has the details)"
        case .network: message + " (is the account online? see `rafiki account list`)"
        case .connectionFailed: message + " (is the peer online? see `rafiki peers`)"
        case .noSuchPeer: message + " (see `rafiki contact list` and `rafiki device list`)"
        case .unauthorized: "the daemon refused the API token: " + message
        case .noSuchRoute: message + " (is rafikid older than this rafiki?)"
        case .noSuchConversation: message + " (see `rafiki conversation list`)"
        case .noSuchMessage: message + " (see `rafiki message list CONVERSATION`)"
        case .noSuchFile: message + " (see `rafiki file list CONVERSATION`)"
        case .noSpace: message + " (free some disk space, then run `rafiki file get` again)"
        case .invalid, .tooLarge, .nameNotFound, .nameServer, .storage, .foreignOrigin, .foreignHost, .http, .internal, .notAllowed: message
        }
    }

    static func text(_ error: DaemonClientError) -> String {
        switch error {
        case .api(_, let code, let message): text(code: code, message: message)
        case .unauthorized(let message): text(code: .unauthorized, message: message)
        default: error.description
        }
    }

    /// An error of the daemon's code run by the CLI itself (the commands that work on files).
    static func text(_ error: DaemonError) -> String { text(code: error.code, message: error.description) }
}
