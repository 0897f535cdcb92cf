import ArgumentParser
import Contacts
import DaemonClient
import DaemonWire
import Foundation

/// `rafiki contact …`
struct ContactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact", abstract: "Add, list, accept, decline, remove, ban and unban contacts (through the daemon).",
        subcommands: [AddContact.self, ListContacts.self, ListRequests.self, AcceptRequest.self, DeclineRequest.self,
                      RemoveContact.self, BanContact.self, UnbanContact.self])
}

struct AddContact: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Send a contact request to a Jami id, jami: URI, username or user@nameserver.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "Who to add.") var peer: String

    /// The daemon checks it too; checking here makes a typo a usage error before any request.
    func validate() throws {
        do { _ = try PeerReference(peer) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let contact = try await client.call(.addContact, account: account, body: API.AddContact(peer: peer), as: API.Contact.self)
            if options.json { return printJSON(contact) }
            print(contact.confirmed ? "\(contact.id) is a contact" : "request for \(contact.id) sent; it reaches each of their devices as it comes online")
        }
    }
}

struct ListContacts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List contacts, with their state and presence.")
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Also list removed and banned contacts.") var all = false

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let contacts = try await client.call(.contacts, account: account, as: API.ContactList.self).contacts
                .filter { all || $0.state == .active }
            if options.json { return printJSON(contacts) }
            if contacts.isEmpty { return print("no contact yet: add one with `rafiki contact add ID|USERNAME`") }
            for c in contacts {
                let presence = c.online.map { $0 ? "online" : "offline" } ?? "-"
                let state = c.state == .active ? (c.confirmed ? "confirmed" : "pending") : c.state.rawValue
                print("\(c.id)  \(state.padding(toLength: 9, withPad: " ", startingAt: 0))  \(presence.padding(toLength: 7, withPad: " ", startingAt: 0))  \(c.displayName ?? "")")
            }
        }
    }
}

struct ListRequests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "requests", abstract: "List contact requests waiting for an answer, oldest first.")
    @OptionGroup var options: DaemonOptions
    @Option(help: "Requests per page.") var limit = 50
    @Option(help: "Cursor printed after the previous page.") var after: String?

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let query = [(Endpoint.Query.limit, String(limit))] + (after.map { [(Endpoint.Query.after, $0)] } ?? [])
            let page = try await client.call(.requests, account: account, query: query, as: API.RequestPage.self)
            if options.json { return printJSON(page) }
            if page.requests.isEmpty { return print("no pending request") }
            for r in page.requests { print("\(r.from)  \(formatTime(r.received))  \(r.displayName ?? "")") }
            if let next = page.next { print("more: rafiki contact requests --after \(next)") }
        }
    }
}

/// accept, decline, remove, ban and unban: one peer id, one API call.
protocol PeerAction: AsyncParsableCommand {
    var options: DaemonOptions { get }
    var peer: String { get }
    static var endpoint: Endpoint { get }
    static func done(_ peer: String) -> String
}

extension PeerAction {
    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            _ = try await client.call(Self.endpoint, account: account, peer: peer.lowercased())
            if options.json { printJSON(["peer": peer.lowercased(), "done": "true"]) } else { print(Self.done(peer.lowercased())) }
        }
    }
}

struct AcceptRequest: PeerAction {
    static let configuration = CommandConfiguration(commandName: "accept", abstract: "Accept a contact request.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The requester's account id.") var peer: String
    static let endpoint = Endpoint.acceptRequest
    static func done(_ p: String) -> String { "\(p) is now a contact" }
}

struct DeclineRequest: PeerAction {
    static let configuration = CommandConfiguration(commandName: "decline", abstract: "Decline a contact request (nothing is sent to the requester).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The requester's account id.") var peer: String
    static let endpoint = Endpoint.declineRequest
    static func done(_ p: String) -> String { "request from \(p) declined" }
}

struct RemoveContact: PeerAction {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a contact.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The contact's account id.") var peer: String
    static let endpoint = Endpoint.removeContact
    static func done(_ p: String) -> String { "\(p) removed" }
}

struct BanContact: PeerAction {
    static let configuration = CommandConfiguration(commandName: "ban", abstract: "Ban an account: its requests and messages are refused.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The account id to ban.") var peer: String
    static let endpoint = Endpoint.banContact
    static func done(_ p: String) -> String { "\(p) banned" }
}

struct UnbanContact: PeerAction {
    static let configuration = CommandConfiguration(commandName: "unban", abstract: "Lift a ban (the account stays removed until added again).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The banned account id.") var peer: String
    static let endpoint = Endpoint.unbanContact
    static func done(_ p: String) -> String { "\(p) unbanned" }
}
