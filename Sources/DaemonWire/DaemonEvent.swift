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
        case deviceFound = "device.found"
        case connectionRefused = "connection.refused"
        /// A peer socket's state changed (`device`, `state`; `detail` is the reason on failure).
        case connectionState = "connection.state"
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

    /// - Parameter time: milliseconds since 1970; the daemon passes its clock's (the wire type has none).
    public init(_ type: Kind, account: String, peer: String? = nil, time: Int64) {
        self.type = type
        self.account = account
        self.peer = peer
        self.time = time
    }
}
