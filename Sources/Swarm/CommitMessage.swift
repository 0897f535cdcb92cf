import Foundation

/// The JSON message of a swarm commit: `type` and string fields, `mode` the only integer
/// (jamid calls `asString()` on every other value and throws on objects and arrays).
///
/// Written exactly as JsonCpp 1.9 (Debian bookworm) writes it with empty indentation: keys
/// sorted, no spaces, non-ASCII escaped as `\uXXXX` (lower-case hex, UTF-16), no trailing
/// newline. Read leniently: any key order, numbers and booleans taken as their text.
public struct CommitMessage: Sendable, Equatable {
    public var type: String
    /// Every field but `type` and `mode`.
    public var fields: [String: String]
    public var mode: Int?

    /// A message longer than this is refused (a text message is far shorter).
    public static let maxBytes = 64 << 10

    public init(type: String, fields: [String: String] = [:], mode: Int? = nil) {
        self.type = type
        self.fields = fields
        self.mode = mode
    }

    public subscript(key: String) -> String? { fields[key] }

    /// Compact JSON as JsonCpp writes it.
    public var json: String {
        var entries: [(String, String)] = fields.map { ($0.key, Self.quoted($0.value)) }
        entries.append(("type", Self.quoted(type)))
        if let mode { entries.append(("mode", String(mode))) }
        // JsonCpp's map orders keys by byte value.
        entries.sort { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        return "{" + entries.map { Self.quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    public init(parsing text: String) throws(SwarmError) {
        guard text.utf8.count <= Self.maxBytes else { throw .malformedMessage("\(text.utf8.count) bytes") }
        let object: [String: Scalar]
        do {
            object = try JSONDecoder().decode([String: Scalar].self, from: Data(text.utf8))
        } catch {
            throw .malformedMessage("not a JSON object of strings and numbers")
        }
        var fields: [String: String] = [:]
        var mode: Int?
        var type: String?
        for (key, value) in object {
            let text = value.text
            switch key {
            case "type": type = text
            case "mode":
                guard let m = Int(text) else { throw .malformedMessage("mode \(text)") }
                mode = m
            default: fields[key] = text
            }
        }
        guard let type, !type.isEmpty else { throw .malformedMessage("no type") }
        self.init(type: type, fields: fields, mode: mode)
    }

    /// A JSON string, number or boolean, as text.
    private struct Scalar: Decodable {
        let text: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { text = s }
            else if let i = try? c.decode(Int64.self) { text = String(i) }
            else if let d = try? c.decode(Double.self) { text = String(d) }
            else { text = try c.decode(Bool.self) ? "true" : "false" }
        }
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for unit in s.unicodeScalars {
            switch unit {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if unit.value < 0x20 || unit.value >= 0x80 {
                    for u in String(unit).utf16 { out += "\\u" + Self.hex4(u) }
                } else {
                    out.unicodeScalars.append(unit)
                }
            }
        }
        return out + "\""
    }

    private static func hex4(_ u: UInt16) -> String {
        let s = String(u, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}

/// The message types of Jami's swarm (jami-protocol §5.4).
extension CommitMessage {
    public enum Kind {
        public static let initial = "initial", text = "text/plain", edit = "application/edited-message"
        public static let dataTransfer = "application/data-transfer+json", callHistory = "application/call-history+json"
        public static let profile = "application/update-profile", member = "member", vote = "vote"
    }

    public static func initial(mode: ConversationMode, invited: String?) -> CommitMessage {
        CommitMessage(type: Kind.initial, fields: invited.map { ["invited": $0] } ?? [:], mode: mode.rawValue)
    }

    public static func text(_ body: String, replyTo: ObjectID? = nil) -> CommitMessage {
        var f = ["body": body]
        if let replyTo { f["reply-to"] = replyTo.hex }
        return CommitMessage(type: Kind.text, fields: f)
    }

    public static func reaction(_ emoji: String, to target: ObjectID) -> CommitMessage {
        CommitMessage(type: Kind.text, fields: ["body": emoji, "react-to": target.hex])
    }

    public static func edit(_ target: ObjectID, body: String) -> CommitMessage {
        CommitMessage(type: Kind.edit, fields: ["body": body, "edit": target.hex])
    }

    public static func member(_ action: MemberAction, uri: String) -> CommitMessage {
        CommitMessage(type: Kind.member, fields: ["action": action.rawValue, "uri": uri])
    }

    public static func vote(uri: String) -> CommitMessage { CommitMessage(type: Kind.vote, fields: ["uri": uri]) }
}

/// `member` commits' `action`.
public enum MemberAction: String, Sendable, CaseIterable {
    case add, join, remove, ban, unban
}

/// A conversation's mode, fixed by its root commit.
public enum ConversationMode: Int, Sendable {
    case oneToOne = 0, adminInvitesOnly = 1, invitesOnly = 2, publicConversation = 3
}
