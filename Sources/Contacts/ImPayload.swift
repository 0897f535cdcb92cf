import Foundation

/// The payloads carried by instant messages besides commit notifications, written as jamid
/// 13.7 writes them and read as leniently as it reads them (it matches a few elements with
/// regular expressions, so do we, by hand: no XML parser sees network bytes).
public enum ImPayload {
    public static let gitMessage = "application/im-gitmessage-id"
    /// Read receipts (RFC 5438 IMDN).
    public static let imdn = "message/imdn+xml"
    /// Typing indicators (RFC 3994).
    public static let composing = "application/im-iscomposing+xml"
    /// A group invitation: `{"conversationId":…,"metadatas":{…}}`.
    public static let invitation = "application/invite+json"
    /// Bodies longer than this are not read (jamid's are a few hundred bytes).
    public static let maxBody = 16 << 10

    /// `message` (a commit id) of `conversation` was displayed.
    public static func displayed(_ message: String, in conversation: String) -> String {
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<imdn><message-id>\(message)</message-id>\n<conversation>\(conversation)</conversation>"
            + "<display-notification><status><displayed/></status></display-notification>\n</imdn>"
    }

    public static func composing(_ active: Bool, in conversation: String) -> String {
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<isComposing><state>\(active ? "active" : "idle")</state><conversation>\(conversation)</conversation></isComposing>"
    }

    /// The message id and conversation of a `displayed` IMDN; nil for any other status or body.
    public static func parseDisplayed(_ body: String) -> (message: String, conversation: String)? {
        guard body.utf8.count <= maxBody, let message = element("message-id", in: body), let conversation = element("conversation", in: body),
              let status = element("status", in: body), status.replacingOccurrences(of: " ", with: "") == "<displayed/>" else { return nil }
        return (message, conversation)
    }

    /// Whether a typing indicator says `active`, and its conversation.
    public static func parseComposing(_ body: String) -> (active: Bool, conversation: String)? {
        guard body.utf8.count <= maxBody, let state = element("state", in: body), let conversation = element("conversation", in: body) else { return nil }
        return (state == "active", conversation)
    }

    /// A group invitation's conversation id and metadata (title, description, avatar, mode, …).
    public static func invitation(_ conversation: String, metadata: [String: String]) -> String {
        let object: [String: Any] = ["conversationId": conversation, "metadatas": metadata]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    public static func parseInvitation(_ body: String) -> (conversation: String, metadata: [String: String])? {
        guard body.utf8.count <= maxBody,
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let conversation = json["conversationId"] as? String else { return nil }
        var metadata: [String: String] = [:]
        for (k, v) in (json["metadatas"] as? [String: Any]) ?? [:] where k.utf8.count <= 64 {
            if let s = v as? String { metadata[k] = String(s.prefix(4096)) }
        }
        return (conversation, metadata)
    }

    /// A commit notification's conversation, commit and device (`{"id","commit","deviceId"}`).
    public static func parseGitMessage(_ body: String) -> (conversation: String, commit: String?, device: String?)? {
        guard body.utf8.count <= maxBody,
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let conversation = json["id"] as? String else { return nil }
        return (conversation, json["commit"] as? String, json["deviceId"] as? String)
    }

    /// The text of the first `<name>…</name>`, spaces around it trimmed; a word (letters,
    /// digits, `_`) as jamid's `\w+`, except inside `<status>` which holds an element.
    static func element(_ name: String, in body: String) -> String? {
        guard let open = body.range(of: "<\(name)>"), let close = body.range(of: "</\(name)>", range: open.upperBound..<body.endIndex) else { return nil }
        let text = body[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.utf8.count <= 256 else { return nil }
        if name == "status" { return text }
        return text.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "_" }) ? text : nil
    }
}
