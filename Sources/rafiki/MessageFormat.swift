import DaemonClient
import DaemonWire
import Foundation

/// How messages and conversations read in a terminal.
enum MessageFormat {
    /// `2026-12-03 12:04  3f2a9c1e  a1b2c3d4: hello  [edited] (👍 1) sent`
    static func line(_ m: API.Message) -> String {
        var text: String
        switch m.type {
        case "text/plain": text = m.deleted ? "(deleted)" : m.body
        case "member": text = "(\(m.fields["action"] ?? "?") \(m.fields["uri"]?.prefix(8) ?? ""))"
        case "initial": text = "(conversation started)"
        case "application/update-profile": text = "(profile updated)"
        case "application/data-transfer+json": text = "(file \(m.fields["displayName"] ?? "") \(m.fields["totalSize"] ?? "") bytes)"
        default: text = "(\(m.type))"
        }
        if let reply = m.replyTo { text = "↪ \(reply.prefix(8)) " + text }
        if m.edited != nil, !m.deleted { text += "  [edited]" }
        if !m.reactions.isEmpty {
            let counts = Dictionary(grouping: m.reactions, by: \.emoji).map { "\($0.key) \($0.value.count)" }.sorted()
            text += "  (" + counts.joined(separator: ", ") + ")"
        }
        return "\(formatTime(m.timestamp))  \(m.id.prefix(8))  \(m.author.prefix(8)): \(text)  \(m.status.rawValue)"
    }

    static func summary(_ c: API.Conversation) -> String {
        let title = c.title ?? c.members.filter { $0.role != .banned }.map { String($0.account.prefix(8)) }.joined(separator: ", ")
        let unread = c.unread > 0 ? "  \(c.unread) unread" : ""
        return "\(c.id)  \(c.mode.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0))  \(title)\(unread)"
    }
}

extension DaemonOptions {
    /// The client, the account and the conversation (an id or a unique prefix) a command is about.
    func conversationContext(_ text: String) async throws -> (client: DaemonClient, account: String, conversation: String) {
        let client = try client()
        let account = try await account(client)
        return (client, account, try await conversation(text, client: client, account: account))
    }

    /// A conversation id, or a unique prefix of one (6 characters or more) among the account's.
    func conversation(_ text: String, client: DaemonClient, account: String) async throws -> String {
        let t = text.lowercased()
        if t.count == 40 { return t }
        guard t.count >= 6, t.allSatisfy(\.isHexDigit) else { throw CLIError("'\(text)' is not a conversation id (40 hex, or a prefix of 6 or more)") }
        let matches = try await client.call(.conversations, account: account, as: API.ConversationList.self).conversations.filter { $0.id.hasPrefix(t) }
        switch matches.count {
        case 1: return matches[0].id
        case 0: throw CLIError("no conversation starts with \(t) (see `rafiki conversation list`)")
        default: throw CLIError("several conversations start with \(t): give more of the id")
        }
    }
}
