@preconcurrency import Glibc
import ArgumentParser
import DaemonClient
import DaemonWire
import Foundation

/// Options of the commands that talk to a running daemon.
struct DaemonOptions: ParsableArguments {
    @Option(help: "The daemon's home folder (default: $RAFIKI_HOME, else $XDG_DATA_HOME/rafiki).") var home: String?
    @Option(name: .customLong("account"), help: "Account id; may be omitted when the daemon has only one.") var accountID: String?
    @Flag(help: "JSON output, for scripts.") var json = false

    var daemonHome: DaemonHome { DaemonHome(root: home.map { URL(fileURLWithPath: $0) }) }

    func client() throws -> DaemonClient { try DaemonClient.connect(home: daemonHome) }

    /// The account named by `--account`, else the daemon's only one.
    func account(_ client: DaemonClient) async throws -> String {
        if let accountID { return accountID.lowercased() }
        let list = try await client.call(.accounts, as: API.AccountList.self).accounts
        switch list.count {
        case 0: throw CLIError("the daemon has no account yet: create one with `rafiki account create`")
        case 1: return list[0].id
        default: throw CLIError("the daemon has several accounts: choose one with --account (see `rafiki account list`)")
        }
    }
}

/// Seconds since 1970 as local "yyyy-MM-dd HH:mm".
func formatTime(_ seconds: Int64) -> String {
    guard seconds > 0 else { return "-" }
    let f = DateFormatter()
    f.dateFormat = "yyyy-MM-dd HH:mm"
    return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
}
