import Identity

/// Jami's contact record (protocol §2.4), times in seconds since 1970.
public struct Contact: Sendable, Hashable, Codable {
    public var added: Int64
    public var removed: Int64
    /// The peer accepted: we received a request or a confirmation from them.
    public var confirmed: Bool
    /// Meaningful only while removed.
    public var banned: Bool
    /// The linked 1:1 conversation, empty when none.
    public var conversationId: String

    public init(added: Int64 = 0, removed: Int64 = 0, confirmed: Bool = false, banned: Bool = false, conversationId: String = "") {
        (self.added, self.removed, self.confirmed, self.banned, self.conversationId) = (added, removed, confirmed, banned, conversationId)
    }

    public enum State: String, Sendable, Codable {
        /// Added and not removed since; `confirmed` says whether the peer accepted yet.
        case active
        case removed
        case banned
    }

    public var state: State { added > removed ? .active : banned ? .banned : .removed }
    public var isActive: Bool { state == .active }
    public var isBanned: Bool { state == .banned }

    /// Jami's merge of two views of one contact (from two devices): the later `added` with its
    /// conversation, the later `removed` with its ban, and either side's confirmation.
    public func merged(with other: Contact) -> Contact {
        var m = self
        if other.added > added {
            m.added = other.added
            m.conversationId = other.conversationId
        }
        if other.removed > removed {
            m.removed = other.removed
            m.banned = other.banned
        }
        m.confirmed = confirmed || other.confirmed
        return m
    }
}

/// A contact request we received and have not answered (Jami's `incomingTrustRequests`).
public struct IncomingRequest: Sendable, Hashable, Codable {
    public var from: PublicKeyID
    /// The sending device's short id.
    public var device: PublicKeyID
    public var conversationId: String
    /// Seconds since 1970.
    public var received: Int64
    /// The sender's vCard.
    public var payload: [UInt8]

    public init(from: PublicKeyID, device: PublicKeyID, conversationId: String, received: Int64, payload: [UInt8]) {
        (self.from, self.device, self.conversationId, self.received, self.payload) = (from, device, conversationId, received, payload)
    }
}

extension PublicKeyID: Codable {
    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let id = PublicKeyID(hex: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not 40 hex"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}
