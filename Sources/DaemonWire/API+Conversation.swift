extension API {
    /// A conversation on this device (`GET /v1/accounts/{id}/conversations/{conversation}`).
    public struct Conversation: Codable, Sendable, Equatable {
        /// The root commit's id (40 hex).
        public var id: String
        public var mode: ConversationMode
        public var members: [ConversationMember]
        /// From the conversation profile (`profile.vcf`), when it has one.
        public var title: String?
        public var lastMessage: Message?
        /// Text messages of others after the last one we read.
        public var unread: Int

        public init(id: String, mode: ConversationMode, members: [ConversationMember], title: String? = nil, lastMessage: Message? = nil, unread: Int = 0) {
            self.id = id
            self.mode = mode
            self.members = members
            self.title = title
            self.lastMessage = lastMessage
            self.unread = unread
        }
    }

    /// Jami's modes, fixed when the conversation is created.
    public enum ConversationMode: String, Codable, Sendable, CaseIterable {
        case oneToOne, adminInvitesOnly, invitesOnly, `public`
    }

    public struct ConversationMember: Codable, Sendable, Equatable {
        public var account: String
        public var role: MemberRole
        /// The last message it read, as far as we know.
        public var lastRead: String?
        public init(account: String, role: MemberRole, lastRead: String? = nil) {
            self.account = account
            self.role = role
            self.lastRead = lastRead
        }
    }

    public enum MemberRole: String, Codable, Sendable { case admin, member, invited, banned }

    public struct ConversationList: Codable, Sendable, Equatable {
        public var conversations: [Conversation]
        public init(conversations: [Conversation]) { self.conversations = conversations }
    }

    /// The body of `POST /v1/accounts/{id}/conversations`: a group (mode `invitesOnly` unless
    /// given) with these members invited (account ids or usernames).
    public struct NewConversation: Codable, Sendable, Equatable {
        public var mode: ConversationMode?
        public var members: [String]?
        public init(mode: ConversationMode? = nil, members: [String]? = nil) {
            self.mode = mode
            self.members = members
        }
    }

    /// The body of `POST …/conversations/{conversation}/members`.
    public struct InviteMember: Codable, Sendable, Equatable {
        public var peer: String
        public init(peer: String) { self.peer = peer }
    }
}

extension API {
    /// An invitation to a group, waiting (`GET /v1/accounts/{id}/conversation-requests`).
    public struct ConversationRequest: Codable, Sendable, Equatable {
        public var conversation: String
        public var from: String
        /// Seconds since 1970.
        public var received: Int64
        public var title: String?
        public var metadata: [String: String]
        public init(conversation: String, from: String, received: Int64, title: String?, metadata: [String: String]) {
            self.conversation = conversation
            self.from = from
            self.received = received
            self.title = title
            self.metadata = metadata
        }
    }

    public struct ConversationRequestList: Codable, Sendable, Equatable {
        public var requests: [ConversationRequest]
        public init(requests: [ConversationRequest]) { self.requests = requests }
    }

    /// A conversation's profile (`profile.vcf`). In a change, nil leaves a field as it is and
    /// an empty string removes it.
    public struct ConversationProfile: Codable, Sendable, Equatable {
        public var title: String?
        public var description: String?
        /// Base64 of the image.
        public var avatar: String?
        public init(title: String? = nil, description: String? = nil, avatar: String? = nil) {
            self.title = title
            self.description = description
            self.avatar = avatar
        }
    }
}
