import MessagePack

/// A conversation as one device of the account holds it (jamid's `ConvInfo`, conversation.h).
public struct ConversationInfo: Sendable, Equatable {
    public var id: String
    /// Seconds since 1970.
    public var created: Int64
    /// When we left it (0: still in it).
    public var removed: Int64
    /// When it was erased from the device (0: not).
    public var erased: Int64
    public var members: [String]
    /// The last message we read in it.
    public var lastDisplayed: String

    public init(id: String, created: Int64 = 0, removed: Int64 = 0, erased: Int64 = 0, members: [String] = [], lastDisplayed: String = "") {
        self.id = id
        self.created = created
        self.removed = removed
        self.erased = erased
        self.members = members
        self.lastDisplayed = lastDisplayed
    }

    var messagePack: MessagePackValue {
        .map([
            MessagePackPair(.string("id"), .string(id)), MessagePackPair(.string("created"), .int(created)),
            MessagePackPair(.string("removed"), .int(removed)), MessagePackPair(.string("erased"), .int(erased)),
            MessagePackPair(.string("members"), .array(members.map { .string($0) })), MessagePackPair(.string("lastDisplayed"), .string(lastDisplayed)),
        ])
    }

    init(_ v: MessagePackValue) throws(SyncError) {
        guard v.pairs != nil else { throw .malformed("a conversation is not a map") }
        var members: [String] = []
        switch v.field("members") {
        case nil: break
        case .array(let items):
            for item in items {
                guard case .string(let s) = item else { throw .malformed("a member is not a string") }
                members.append(s)
            }
        default: throw .malformed("members is not an array")
        }
        self.init(id: try v.string("id"), created: try v.int("created"), removed: try v.int("removed"), erased: try v.int("erased"),
                  members: members, lastDisplayed: try v.string("lastDisplayed"))
    }
}

/// An invitation to a conversation as one device holds it (jamid's `ConversationRequest`).
public struct ConversationRequestInfo: Sendable, Equatable {
    public var from: String
    public var conversationId: String
    public var metadata: [String: String]
    public var received: Int64
    /// When it was declined (0: pending).
    public var declined: Int64

    public init(from: String, conversationId: String, metadata: [String: String] = [:], received: Int64 = 0, declined: Int64 = 0) {
        self.from = from
        self.conversationId = conversationId
        self.metadata = metadata
        self.received = received
        self.declined = declined
    }

    var messagePack: MessagePackValue {
        .map([
            MessagePackPair(.string("from"), .string(from)), MessagePackPair(.string("conversationId"), .string(conversationId)),
            MessagePackPair(.string("metadatas"), metadata.messagePack), MessagePackPair(.string("received"), .int(received)),
            MessagePackPair(.string("declined"), .int(declined)),
        ])
    }

    init(_ v: MessagePackValue) throws(SyncError) {
        guard v.pairs != nil else { throw .malformed("a conversation request is not a map") }
        var metadata: [String: String] = [:]
        if let m = v.field("metadatas") {
            guard let map = m.stringMap else { throw .malformed("metadatas is not a map of strings") }
            metadata = map
        }
        self.init(from: try v.string("from"), conversationId: try v.string("conversationId"), metadata: metadata, received: try v.int("received"),
                  declined: try v.int("declined"))
    }
}
