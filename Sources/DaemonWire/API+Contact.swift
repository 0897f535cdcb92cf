extension API {
    /// A contact as the API shows it (`GET /v1/accounts/{id}/contacts/{peer}`).
    public struct Contact: Codable, Sendable, Equatable {
        public var id: String
        public var state: ContactState
        /// The peer accepted.
        public var confirmed: Bool
        /// Seconds since 1970.
        public var added: Int64
        public var removed: Int64
        public var conversationId: String
        public var displayName: String?
        /// nil when unknown (not followed, or not yet heard of); true only once this run's DHT
        /// listen has seen the peer, never from stored data.
        public var online: Bool?
        /// Seconds since 1970 when the peer was last known online (nil: never seen).
        public var lastSeen: Int64?

        public init(id: String, state: ContactState, confirmed: Bool, added: Int64, removed: Int64, conversationId: String,
                    displayName: String? = nil, online: Bool? = nil, lastSeen: Int64? = nil) {
            self.id = id
            self.state = state
            self.confirmed = confirmed
            self.added = added
            self.removed = removed
            self.conversationId = conversationId
            self.displayName = displayName
            self.online = online
            self.lastSeen = lastSeen
        }
    }

    /// Where a contact stands: added (and not removed since), removed, or banned.
    public enum ContactState: String, Codable, Sendable {
        case active, removed, banned
    }

    /// An account's link to the DHT: `trying` until a node answers, then `registered`.
    public enum RegistrationState: String, Codable, Sendable {
        case unregistered, trying, registered, error
    }
}
