extension API {
    /// One message of a conversation: a commit, with later edits and reactions folded in.
    public struct Message: Codable, Sendable, Equatable {
        /// The commit id (40 hex).
        public var id: String
        public var conversation: String
        /// The author's account id.
        public var author: String
        /// The writing device's long id (64 hex).
        public var device: String
        /// `text/plain`, `member`, `initial`, `application/data-transfer+json`, …
        public var type: String
        /// The text as last edited; empty when deleted or not a text.
        public var body: String
        /// Seconds since 1970.
        public var timestamp: Int64
        public var status: MessageStatus
        public var replyTo: String?
        public var reactions: [Reaction]
        /// When the text was last edited (seconds), nil if never.
        public var edited: Int64?
        public var deleted: Bool
        /// The commit message's other fields as written (`action` and `uri` of a member change, …).
        public var fields: [String: String]

        public init(id: String, conversation: String, author: String, device: String, type: String, body: String, timestamp: Int64,
                    status: MessageStatus, replyTo: String? = nil, reactions: [Reaction] = [], edited: Int64? = nil, deleted: Bool = false,
                    fields: [String: String] = [:]) {
            self.id = id
            self.conversation = conversation
            self.author = author
            self.device = device
            self.type = type
            self.body = body
            self.timestamp = timestamp
            self.status = status
            self.replyTo = replyTo
            self.reactions = reactions
            self.edited = edited
            self.deleted = deleted
            self.fields = fields
        }
    }

    public struct Reaction: Codable, Sendable, Equatable {
        /// The reaction's own commit id.
        public var id: String
        public var author: String
        public var emoji: String
        public init(id: String, author: String, emoji: String) {
            self.id = id
            self.author = author
            self.emoji = emoji
        }
    }

    /// Ours: `sending` (committed here), `sent` (a member's device fetched it), `displayed` (a
    /// member read it). Others': `received`, then `displayed` once we read it.
    public enum MessageStatus: String, Codable, Sendable { case sending, sent, received, displayed }

    /// A page of messages, oldest first; `next` is the `before` of the page older than this one.
    public struct MessagePage: Codable, Sendable, Equatable {
        public var messages: [Message]
        public var next: String?
        public init(messages: [Message], next: String? = nil) {
            self.messages = messages
            self.next = next
        }
    }

    /// The body of `POST …/messages`.
    public struct SendMessage: Codable, Sendable, Equatable {
        public var body: String
        public var replyTo: String?
        public init(body: String, replyTo: String? = nil) {
            self.body = body
            self.replyTo = replyTo
        }
    }

    /// The body of `PUT …/messages/{message}`: the new text.
    public struct EditMessage: Codable, Sendable, Equatable {
        public var body: String
        public init(body: String) { self.body = body }
    }

    /// The body of `POST …/messages/{message}/reactions`.
    public struct React: Codable, Sendable, Equatable {
        public var emoji: String
        public init(emoji: String) { self.emoji = emoji }
    }

    /// The body of `POST …/conversations/{conversation}/typing`.
    public struct Typing: Codable, Sendable, Equatable {
        public var active: Bool
        public init(active: Bool) { self.active = active }
    }
}
