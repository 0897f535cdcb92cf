import ArgumentParser
import DaemonClient
import DaemonWire
import Foundation

/// `rafiki message …`
struct MessageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message", abstract: "Send, list, edit, delete, react to, mark read and search messages.",
        subcommands: [SendMessage.self, ListMessages.self, EditMessage.self, DeleteMessage.self, ReactToMessage.self, ReadMessage.self, SearchMessages.self])
}

struct SendMessage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "send", abstract: "Send a text message.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The text.") var text: String
    @Option(help: "The id of the message this one answers.") var replyTo: String?

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let m = try await client.call(.sendMessage, account: account, conversation: id, body: API.SendMessage(body: text, replyTo: replyTo?.lowercased()),
                                          as: API.Message.self)
            if options.json { return printJSON(m) }
            print(MessageFormat.line(m))
        }
    }
}

struct ListMessages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List messages, oldest first, the newest page unless --before.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Option(help: "List the messages before this one (the `more:` cursor of the previous page).") var before: String?
    @Option(help: "Messages per page (at most 500).") var limit = 50

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let query = [(Endpoint.Query.limit, String(limit))] + (before.map { [(Endpoint.Query.before, $0.lowercased())] } ?? [])
            let page = try await client.call(.messages, account: account, conversation: id, query: query, as: API.MessagePage.self)
            if options.json { return printJSON(page) }
            if let next = page.next { print("older: rafiki message list \(id.prefix(12)) --before \(next)") }
            for m in page.messages { print(MessageFormat.line(m)) }
        }
    }
}

/// edit, delete, react, read: a conversation, a message, one call.
protocol MessageAction: AsyncParsableCommand {
    var options: DaemonOptions { get }
    var conversation: String { get }
    var message: String { get }
    func call(_ client: DaemonClient, account: String, conversation: String, message: String) async throws -> API.Message?
    var done: String { get }
}

extension MessageAction {
    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let m = try await call(client, account: account, conversation: id, message: message.lowercased())
            if options.json { return m.map { printJSON($0) } ?? printJSON(["message": message.lowercased(), "done": "true"]) }
            print(m.map(MessageFormat.line) ?? done)
        }
    }
}

struct EditMessage: MessageAction {
    static let configuration = CommandConfiguration(commandName: "edit", abstract: "Replace the text of one of your messages.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The message id.") var message: String
    @Argument(help: "The new text.") var text: String
    var done: String { "edited" }

    func call(_ client: DaemonClient, account: String, conversation: String, message: String) async throws -> API.Message? {
        try await client.call(.editMessage, account: account, conversation: conversation, message: message, body: API.EditMessage(body: text), as: API.Message.self)
    }
}

struct DeleteMessage: MessageAction {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete one of your messages (its text is erased for everyone).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The message id.") var message: String
    var done: String { "deleted" }

    func call(_ client: DaemonClient, account: String, conversation: String, message: String) async throws -> API.Message? {
        _ = try await client.call(.deleteMessage, account: account, conversation: conversation, message: message)
        return nil
    }
}

struct ReactToMessage: MessageAction {
    static let configuration = CommandConfiguration(commandName: "react", abstract: "React to a message with an emoji.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The message id.") var message: String
    @Argument(help: "The emoji.") var emoji: String
    var done: String { "reacted" }

    func call(_ client: DaemonClient, account: String, conversation: String, message: String) async throws -> API.Message? {
        try await client.call(.react, account: account, conversation: conversation, message: message, body: API.React(emoji: emoji), as: API.Message.self)
    }
}

struct ReadMessage: MessageAction {
    static let configuration = CommandConfiguration(commandName: "read", abstract: "Mark a message (and all before it) read; members are told.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The message id.") var message: String
    var done: String { "marked read" }

    func call(_ client: DaemonClient, account: String, conversation: String, message: String) async throws -> API.Message? {
        _ = try await client.call(.readMessage, account: account, conversation: conversation, message: message)
        return nil
    }
}

struct SearchMessages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Find messages containing every word given (any case, any accents).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The words.") var text: String
    @Option(help: "Search one conversation only.") var conversation: String?
    @Option(help: "At most this many results (newest first).") var limit = 50

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            var query = [(Endpoint.Query.text, text), (Endpoint.Query.limit, String(limit))]
            if let conversation { query.append((Endpoint.Query.conversation, try await options.conversation(conversation, client: client, account: account))) }
            let page = try await client.call(.searchMessages, account: account, query: query, as: API.MessagePage.self)
            if options.json { return printJSON(page.messages) }
            if page.messages.isEmpty { return print("nothing found") }
            for m in page.messages { print("[\(m.conversation.prefix(8))] " + MessageFormat.line(m)) }
        }
    }
}
