@preconcurrency import Glibc
import ArgumentParser
import Foundation
import Daemon
import DaemonClient
import DaemonWire
import Identity

/// Options shared by the account commands.
struct StoreOptions: ParsableArguments {
    @Option(help: "Folder holding the accounts, worked on directly without the daemon (default: <home>/accounts).")
    var dataDir: String?

    @Option(help: "The daemon's home folder (default: $RAFIKI_HOME, else $XDG_DATA_HOME/rafiki).")
    var home: String?

    @Option(name: .customLong("account"), help: "Account id (40 hex); may be omitted when there is only one.")
    var accountID: String?

    var store: AccountStore { AccountStore(root: dataDir.map { URL(fileURLWithPath: $0) } ?? DaemonHome(root: home.map { URL(fileURLWithPath: $0) }).accounts) }

    /// The running daemon, unless `--data-dir` asks to work on files directly. Account commands
    /// go through it when it runs, so it brings new accounts online at once.
    var daemon: DaemonClient? {
        guard dataDir == nil else { return nil }
        return try? DaemonClient.connect(home: DaemonHome(root: home.map { URL(fileURLWithPath: $0) }))
    }

    /// The account named by `--account`, or the only one.
    func account() throws -> PublicKeyID {
        let all = store.accounts()
        if let accountID {
            guard let id = PublicKeyID(hex: accountID), all.contains(id) else { throw CLIError("no account \(accountID) in \(store.root.path)") }
            return id
        }
        switch all.count {
        case 0: throw CLIError("no account yet: create one with `rafiki account create`")
        case 1: return all[0]
        default: throw CLIError("several accounts: choose one with --account (see `rafiki account list`)")
        }
    }
}

/// A failure worth one clear line; exits with status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ s: String) { description = s }
}

/// Reads a password: `RAFIKI_PASSWORD` if set (for scripts), else from the terminal without echo.
enum Password {
    static func read(prompt: String, confirm: Bool = false) throws -> String {
        if let env = ProcessInfo.processInfo.environment["RAFIKI_PASSWORD"] { return env }
        guard let p = getpass(prompt + ": ") else { throw CLIError("cannot read a password (no terminal; set RAFIKI_PASSWORD)") }
        let first = String(cString: p)
        if confirm {
            guard let again = getpass("again: "), String(cString: again) == first else { throw CLIError("the passwords differ") }
        }
        return first
    }

    /// The password of a stored account, asked only when its archive has one.
    static func forAccount(_ info: AccountStore.Info) throws -> String? {
        info.archiveHasPassword ? try read(prompt: "password of account \(info.accountID)") : nil
    }
}

/// Runs `body`, turning typed errors into one line on stderr and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as IdentityError {
        fputs("error: \(e)\n", stderr)
        throw ExitCode.failure
    } catch let e as CLIError {
        fputs("error: \(e)\n", stderr)
        throw ExitCode.failure
    } catch let e as DaemonError {
        fputs("error: \(ErrorMessages.text(e))\n", stderr)
        throw ExitCode.failure
    } catch let e as DaemonClientError {
        fputs("error: \(ErrorMessages.text(e))\n", stderr)
        throw ExitCode.failure
    }
}

func printJSON(_ object: some Encodable) {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    if let d = try? e.encode(object) { print(String(decoding: d, as: UTF8.self)) }
}
