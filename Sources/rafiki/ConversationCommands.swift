import ArgumentParser
import DaemonClient
import DaemonWire
import Foundation

/// `rafiki conversation …` (alias `conv`)
struct ConversationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conversation", abstract: "List, create and manage conversations (swarms) and their members.",
        subcommands: [ListConversations.self, ShowConversation.self, CreateConversation.self, InviteToConversation.self, ConversationMembers.self,
                      LeaveConversation.self, RemoveFromConversation.self, BanFromConversation.self, UnbanInConversation.self,
                      ConversationRequests.self, AcceptConversation.self, DeclineConversation.self, ConversationProfileCommand.self],
        aliases: ["conv"])
}

struct ListConversations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the conversations on this device.")
    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let list = try await client.call(.conversations, account: account, as: API.ConversationList.self).conversations
            if options.json { return printJSON(list) }
            if list.isEmpty { return print("no conversation yet: accept a contact, or `rafiki conversation create --member ID`") }
            for c in list { print(MessageFormat.summary(c)) }
        }
    }
}

struct ShowConversation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a conversation: mode, members, last message.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let c = try await client.call(.conversation, account: account, conversation: id, as: API.Conversation.self)
            if options.json { return printJSON(c) }
            print("conversation \(c.id)\n  mode: \(c.mode.rawValue)\(c.title.map { "\n  title: \($0)" } ?? "")\n  unread: \(c.unread)")
            for m in c.members { print("  \(m.role.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(m.account)") }
            if let last = c.lastMessage { print("  last: " + MessageFormat.line(last)) }
        }
    }
}

struct CreateConversation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Start a group conversation and invite members.")
    @OptionGroup var options: DaemonOptions
    @Option(name: .customLong("member"), help: "A member to invite (account id or username); repeat for more.") var members: [String] = []
    @Option(help: "invitesOnly (default), adminInvitesOnly, public, or oneToOne (with exactly one --member).") var mode: String = "invitesOnly"

    func validate() throws {
        guard let m = API.ConversationMode(rawValue: mode) else { throw ValidationError("--mode must be one of \(API.ConversationMode.allCases.map(\.rawValue).joined(separator: ", "))") }
        if m == .oneToOne, members.count != 1 { throw ValidationError("a oneToOne conversation takes exactly one --member") }
    }

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let c = try await client.call(.createConversation, account: account, body: API.NewConversation(mode: API.ConversationMode(rawValue: mode), members: members),
                                          as: API.Conversation.self)
            if options.json { return printJSON(c) }
            print("conversation \(c.id) created; \(c.members.filter { $0.role == .invited }.count) invited")
        }
    }
}

struct ConversationMembers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "List a conversation's members and their roles.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let c = try await client.call(.conversation, account: account, conversation: id, as: API.Conversation.self)
            if options.json { return printJSON(c.members) }
            for m in c.members { print("\(m.account)  \(m.role.rawValue)\(m.lastRead.map { "  read up to \($0.prefix(8))" } ?? "")") }
        }
    }
}

/// invite, remove, ban, unban: a conversation, a member, one call, the conversation after it.
protocol MemberCommand: AsyncParsableCommand {
    var options: DaemonOptions { get }
    var conversation: String { get }
    var peer: String { get }
    static var verb: String { get }
    static func call(_ client: DaemonClient, account: String, conversation: String, peer: String) async throws -> API.Conversation
}

extension MemberCommand {
    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let c = try await Self.call(client, account: account, conversation: id, peer: peer)
            if options.json { return printJSON(c) }
            print("\(peer) \(Self.verb)")
        }
    }

    /// The call of the endpoints that take the member in their path.
    static func call(_ endpoint: Endpoint, _ client: DaemonClient, account: String, conversation: String, peer: String) async throws -> API.Conversation {
        try await client.call(endpoint, account: account, peer: peer.lowercased(), conversation: conversation, as: API.Conversation.self)
    }
}

struct InviteToConversation: MemberCommand {
    static let configuration = CommandConfiguration(commandName: "invite", abstract: "Invite someone to a group conversation.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "Account id or username.") var peer: String
    static let verb = "invited"
    static func call(_ client: DaemonClient, account: String, conversation: String, peer: String) async throws -> API.Conversation {
        try await client.call(.inviteMember, account: account, conversation: conversation, body: API.InviteMember(peer: peer), as: API.Conversation.self)
    }
}

struct RemoveFromConversation: MemberCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a member (admins only).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The member's account id.") var peer: String
    static let verb = "removed"
    static func call(_ client: DaemonClient, account: String, conversation: String, peer: String) async throws -> API.Conversation {
        try await call(.removeMember, client, account: account, conversation: conversation, peer: peer)
    }
}

struct BanFromConversation: MemberCommand {
    static let configuration = CommandConfiguration(commandName: "ban", abstract: "Vote to ban a member (admins only; banned once half the admins voted).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The member's account id.") var peer: String
    static let verb = "banned (or voted against)"
    static func call(_ client: DaemonClient, account: String, conversation: String, peer: String) async throws -> API.Conversation {
        try await call(.banMember, client, account: account, conversation: conversation, peer: peer)
    }
}

struct UnbanInConversation: MemberCommand {
    static let configuration = CommandConfiguration(commandName: "unban", abstract: "Vote to lift a member's ban (admins only).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The member's account id.") var peer: String
    static let verb = "unbanned (or voted for)"
    static func call(_ client: DaemonClient, account: String, conversation: String, peer: String) async throws -> API.Conversation {
        try await call(.unbanMember, client, account: account, conversation: conversation, peer: peer)
    }
}

struct LeaveConversation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "leave", abstract: "Leave a conversation; it disappears from this device.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            _ = try await client.call(.leaveConversation, account: account, conversation: id)
            if options.json { return printJSON(["conversation": id, "left": "true"]) }
            print("left \(id)")
        }
    }
}

struct ConversationRequests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "requests", abstract: "List invitations to group conversations.")
    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let list = try await client.call(.conversationRequests, account: account, as: API.ConversationRequestList.self).requests
            if options.json { return printJSON(list) }
            if list.isEmpty { return print("no invitation") }
            for r in list { print("\(r.conversation)  from \(r.from)  \(formatTime(r.received))  \(r.title ?? "")") }
        }
    }
}

struct AcceptConversation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accept", abstract: "Accept an invitation: fetch the conversation and join it.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id.") var conversation: String

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let c = try await client.call(.acceptConversation, account: account, conversation: conversation.lowercased(), as: API.Conversation.self)
            if options.json { return printJSON(c) }
            print("joined \(c.id)")
        }
    }
}

struct DeclineConversation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decline", abstract: "Decline an invitation (nothing is sent).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id.") var conversation: String

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            _ = try await client.call(.declineConversation, account: account, conversation: conversation.lowercased())
            if options.json { return printJSON(["conversation": conversation.lowercased(), "declined": "true"]) }
            print("invitation to \(conversation.lowercased()) declined")
        }
    }
}
