import Swarm

/// One message of a conversation as the index holds it: a commit, with the edits and reactions
/// that later commits made to it folded in. Edits and reactions are not messages of their own.
public struct IndexedMessage: Sendable, Equatable {
    public var id: String
    public var conversation: String
    /// The position in this device's order of the conversation (1 = the root commit).
    public var seq: Int64
    /// The author's account id (the issuer of the writing device's certificate).
    public var author: String
    /// The writing device's long id.
    public var device: String
    /// The commit's `type` (`text/plain`, `member`, `initial`, …).
    public var type: String
    /// The text as last edited (empty once deleted).
    public var body: String
    /// Every field of the commit message but `type`, as written (the original text included).
    public var fields: [String: String]
    /// Seconds since 1970, from the commit.
    public var timestamp: Int64
    public var replyTo: String?
    /// When the text was last edited (seconds), nil if never.
    public var edited: Int64?
    public var deleted: Bool
    public var reactions: [Reaction]

    public struct Reaction: Sendable, Equatable {
        /// The reaction's own commit id (what an edit that takes it back names).
        public var id: String
        public var author: String
        public var emoji: String
        public init(id: String, author: String, emoji: String) {
            self.id = id
            self.author = author
            self.emoji = emoji
        }
    }
}
