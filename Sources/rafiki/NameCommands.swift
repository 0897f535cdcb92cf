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

/// Which name server to ask. The URL is checked here, before anything connects: a bad one is
/// a usage error naming the problem.
struct NameServerOptions: ParsableArguments {
    @Option(help: "Name server URL, http or https (default: $RAFIKI_NAME_SERVER, else \(NameServerClient.defaultServer)).")
    var server: String?

    @Option(help: "Redirects followed per request, each checked like the server URL.")
    var maxRedirects = NameServerClient.defaultMaxRedirects

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if let server {
            do { _ = try ServerURL(server) } catch { throw ValidationError("--server: \(error.reason)") }
        }
        guard (0...20).contains(maxRedirects) else { throw ValidationError("--max-redirects must be between 0 and 20") }
    }

    func client(for query: NameQuery? = nil) throws -> NameServerClient {
        if let url = query?.server { return NameServerClient(server: url, maxRedirects: maxRedirects) }
        let text = server ?? ProcessInfo.processInfo.environment["RAFIKI_NAME_SERVER"] ?? NameServerClient.defaultServer
        do {
            return NameServerClient(server: try ServerURL(text), maxRedirects: maxRedirects)
        } catch {
            throw CLIError("name server '\(text.prefix(80))' (from \(server == nil ? "RAFIKI_NAME_SERVER" : "--server")): \(error.reason)")
        }
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
            do throws(NameServiceError) { query = try NameQuery(name) } catch .invalidServer(let why) { throw CLIError("\(name.prefix(80)): \(why)") } catch {
                throw CLIError(NameClientError.invalidName.description)
            }
            let client = try options.client(for: query)
            let found = try await nameRequest(name) { try await client.lookup(name: query.name) }
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
            let client = try options.client()
            let name = try await nameRequest(account) { try await client.reverse(address: id) }
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
            let client = try options.client()
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
