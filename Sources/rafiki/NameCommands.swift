import ArgumentParser
import Foundation
import Identity
import NameClient
import NameService

/// `rafiki name …`
struct NameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "name",
        abstract: "Find accounts by username, and register a username for yours.",
        subcommands: [LookupName.self, ReverseLookup.self, RegisterName.self])
}

/// Which name server to ask.
struct NameServerOptions: ParsableArguments {
    @Option(help: "Name server URL (default: $RAFIKI_NAME_SERVER, else \(NameServerClient.defaultServer)).")
    var server: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func client(for query: NameQuery? = nil) -> NameServerClient {
        NameServerClient(server: query?.server ?? server ?? ProcessInfo.processInfo.environment["RAFIKI_NAME_SERVER"] ?? NameServerClient.defaultServer)
    }
}

struct LookupName: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup", abstract: "Show the account id registered for a username (NAME or NAME@SERVER-HOST).")

    @Argument(help: "The username, e.g. alice or alice@ns.example.org.")
    var name: String

    @OptionGroup var options: NameServerOptions

    func run() async throws {
        try await reportingErrors {
            let query: NameQuery
            do { query = try NameQuery(name) } catch { throw CLIError(NameClientError.invalidName.description) }
            let found = try await nameRequest(name) { try await options.client(for: query).lookup(name: query.name) }
            if options.json {
                printJSON(["name": found.name, "account": found.address.hex, "verified": String(found.verified)])
            } else {
                print("\(found.name)\t\(found.address.hex)\(found.verified ? "" : "\t(unsigned: the server gave no proof)")")
            }
        }
    }
}

struct ReverseLookup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reverse", abstract: "Show the username of an account id.")

    @Argument(help: "Account id: 40 hex digits, or a jami: URI.")
    var account: String

    @OptionGroup var options: NameServerOptions

    func run() async throws {
        try await reportingErrors {
            let id: PublicKeyID
            do { id = try AccountAddress.parse(account) } catch { throw CLIError(NameClientError.invalidAddress.description) }
            let name = try await nameRequest(account) { try await options.client().reverse(address: id) }
            if options.json { printJSON(["name": name, "account": id.hex]) } else { print(name) }
        }
    }
}

struct RegisterName: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a username for an account (signed with the account key; a name can never be changed).")

    @Argument(help: "The username: 3 to 32 characters among a-z, 0-9, '-' and '_'.")
    var name: String

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: NameServerOptions

    func run() async throws {
        try await reportingErrors {
            let canonical: String
            do { canonical = try NameRules.canonical(name) } catch { throw CLIError(NameClientError.invalidName.description) }
            let id = try store.account()
            let info = try store.store.info(id)
            let archive = try store.store.archive(id, password: try Password.forAccount(info))
            let client = options.client()
            try await nameRequest(canonical) { try await client.register(name: canonical, accountKey: archive.accountKey) }
            if options.json {
                printJSON(["name": canonical, "account": id.hex, "server": client.server])
            } else {
                print("registered \(canonical) for \(id.hex) on \(client.server)")
            }
        }
    }
}

/// Runs a name-server request, turning its failure into one clear line.
func nameRequest<T>(_ subject: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch NameClientError.notFound {
        throw CLIError("\(subject): not registered on this name server")
    } catch let error as NameClientError {
        throw CLIError("\(subject): \(error)")
    }
}
