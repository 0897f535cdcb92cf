@preconcurrency import Glibc
import ArgumentParser
import Foundation
import Daemon
import DaemonClient
import DaemonWire
import Identity

struct CreateAccount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a new account with this device.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Protect the account archive with a password (asked for; or RAFIKI_PASSWORD).") var password = false
    @Option(help: "A name for this device.") var deviceName = "rafiki"
    @Option(help: ArgumentHelp("RSA key size.", visibility: .hidden)) var bits = 4096
    @Option(help: "The name contacts see (sent in contact requests).") var displayName: String?
    @Flag(help: "JSON output.") var json = false

    func run() async throws {
        try await reportingErrors {
            let pw = password ? try Password.read(prompt: "new password", confirm: true) : nil
            // Checked before the keys are made (the daemon checks again).
            let input = try AccountInput(password: pw, deviceName: deviceName, displayName: displayName)
            if let daemon = options.daemon {
                fputs("the daemon is generating three RSA keys (CA, account, device)…\n", stderr)
                let a = try await daemon.call(.createAccount, body: API.NewAccount(password: pw, deviceName: deviceName, displayName: displayName), as: API.Account.self)
                if json { return printJSON(a) }
                print("account \(a.id)")
                print("device  \(a.device)")
                return
            }
            fputs("generating three RSA-\(bits) keys (CA, account, device)…\n", stderr)
            let start = ContinuousClock.now
            let (archive, device) = try await AccountFactory.create(bits: bits)
            try options.store.install(archive, device: device, input: input)
            fputs("created in \(ContinuousClock.now - start)\n", stderr)
            print("account \(archive.accountID.hex)")
            print("device  \(device.shortID.hex)")
        }
    }
}

struct ListAccounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts on this machine.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "JSON output.") var json = false

    func run() async throws {
        if let daemon = options.daemon {
            try await reportingErrors {
                let list = try await daemon.call(.accounts, as: API.AccountList.self).accounts
                if json { return printJSON(list) }
                if list.isEmpty { return print("no account: create one with `rafiki account create`") }
                for a in list { print("\(a.id)  \(a.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(a.displayName ?? "")") }
            }
            return
        }
        let ids = options.store.accounts().map(\.hex)
        if json { printJSON(ids) } else if ids.isEmpty { print("no account: create one with `rafiki account create`") } else { ids.forEach { print($0) } }
    }
}

struct ExportAccount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the account archive (Jami's format) to a file, e.g. to import it in Jami.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Where to write the archive.") var out: String
    @Flag(help: "Protect the exported archive with a (new) password.") var password = false

    func run() async throws {
        try await reportingErrors {
            let store = options.store
            let id = try options.account()
            let info = try store.info(id)
            let bytes: [UInt8]
            if password {
                let archive = try store.archive(id, password: try Password.forAccount(info))
                bytes = try ArchiveFile.seal(archive, password: try Password.read(prompt: "password for the export", confirm: true))
            } else {
                bytes = try store.archiveBytes(id)  // as stored: protected by the account password if it has one
            }
            try SecureFile.write(bytes, to: URL(fileURLWithPath: out))
            print("exported \(id.hex) to \(out)\(password || info.archiveHasPassword ? " (password protected)" : "")")
        }
    }
}

struct ImportAccount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import an account archive (from Jami or Rafiki); this machine becomes a new device.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The archive file.") var file: String
    @Flag(help: "The archive has a password (asked for; or RAFIKI_PASSWORD).") var password = false
    @Option(help: "A name for this device.") var deviceName = "rafiki"

    func run() async throws {
        try await reportingErrors {
            let bytes = try SecureFile.read(URL(fileURLWithPath: file))
            let pw = password ? try Password.read(prompt: "archive password") : nil
            let input = try AccountInput(password: pw, deviceName: deviceName, displayName: nil)
            if let daemon = options.daemon {
                let a = try await daemon.call(.importAccount,
                                              body: API.ImportAccount(archive: Data(bytes).base64EncodedString(), password: pw, deviceName: deviceName), as: API.Account.self)
                print("account \(a.id)")
                print("device  \(a.device)")
                return
            }
            let archive: AccountArchive
            do {
                archive = try ArchiveFile.open(bytes, password: pw)
            } catch IdentityError.passwordRequired {
                throw CLIError("this archive is protected by a password: run again with --password")
            }
            try ChainVerifier().verify(archive.accountChain)
            fputs("generating this device's RSA key…\n", stderr)
            let device = try DeviceIdentity.create(for: archive)
            try options.store.install(archive, device: device, input: input)
            print("account \(archive.accountID.hex)")
            print("device  \(device.shortID.hex)")
        }
    }
}
