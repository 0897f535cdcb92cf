/// Something a client should know about, as sent on the event stream (`GET /v1/events`). One
/// flat JSON object per event; `type` says which fields are set (see docs/api.md).
public struct DaemonEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case registration
        case presence
        case requestReceived = "request.received"
        case requestSent = "request.sent"
        case contactAdded = "contact.added"
        case contactConfirmed = "contact.confirmed"
        case contactRemoved = "contact.removed"
        /// A profile arrived from a device of `peer` (ours from another of our devices):
        /// `displayName` is its name.
        case profileReceived = "profile.received"
        case deviceFound = "device.found"
        case connectionRefused = "connection.refused"
        /// A peer socket's state changed (`device`, `state`; `detail` is the reason on failure).
        case connectionState = "connection.state"
        /// A new message in a conversation, ours or a member's (`conversationId`, `message`).
        case messageReceived = "message.received"
        /// A message was edited, deleted or reacted to (`message` as it is now).
        case messageUpdated = "message.updated"
        /// One of our messages was fetched or read by a member (`message`; `peer` is the member).
        case messageStatus = "message.status"
        /// Someone joined, was invited, left, was removed or banned (`peer`, `state` = the action).
        case memberChanged = "conversation.member"
        /// A member is typing, or stopped (`peer`, `state` = `active` or `idle`).
        case typing = "conversation.typing"
        /// A conversation is new on this device (created, cloned) or was left (`state`).
        case conversationChanged = "conversation.changed"
        /// An invitation to a group (`peer` invited us to `conversationId`; `displayName` is its title).
        case conversationRequest = "conversation.request"
        /// A file transfer's ``API/FileState`` changed (`fileId`, `state`, `bytes`, `total`, `detail`).
        case transferState = "transfer.state"
        /// A download moved on (`fileId`, `bytes`, `total`), at most a few times a second.
        case transferProgress = "transfer.progress"
        /// A change could not be stored (`detail` says which); the daemon runs on without it.
        case storageFailed = "storage.failed"
    }

    public var type: Kind
    public var account: String
    /// Milliseconds since 1970.
    public var time: Int64
    public var peer: String?
    public var device: String?
    public var state: String?
    public var online: Bool?
    public var confirmed: Bool?
    public var banned: Bool?
    public var conversationId: String?
    public var displayName: String?
    public var detail: String?
    public var message: API.Message?
    public var fileId: String?
    /// Bytes of the file here (``Kind/transferState``, ``Kind/transferProgress``).
    public var bytes: Int64?
    public var total: Int64?

    /// - Parameter time: milliseconds since 1970; the daemon passes its clock's (the wire type has none).
    public init(_ type: Kind, account: String, peer: String? = nil, time: Int64) {
        self.type = type
        self.account = account
        self.peer = peer
        self.time = time
    }
}
