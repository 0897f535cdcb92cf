import Swarm

/// What one commit does to the index: a message of its own, or a change to an earlier one.
enum CommitProjection: Equatable {
    /// A new message (text, member change, file offer, call, the root commit, …).
    case message(type: String, body: String, fields: [String: String], replyTo: String?)
    /// A reaction (`text/plain` with `react-to`) to the commit `target`.
    case reaction(target: String, emoji: String)
    /// An edit (`application/edited-message`) of the commit `target`; an empty body deletes it
    /// (or takes a reaction back).
    case edit(target: String, body: String)
    /// A merge commit: nothing to show.
    case none

    init(_ message: CommitMessage) {
        switch message.type {
        case "merge":
            self = .none
        case CommitMessage.Kind.text where message["react-to"] != nil:
            self = .reaction(target: message["react-to"]!, emoji: message["body"] ?? "")
        case CommitMessage.Kind.edit where message["edit"] != nil:
            self = .edit(target: message["edit"]!, body: message["body"] ?? "")
        default:
            var fields = message.fields
            if let mode = message.mode { fields["mode"] = String(mode) }
            self = .message(type: message.type, body: message["body"] ?? "", fields: fields, replyTo: message["reply-to"])
        }
    }
}
