/// Bodies and answers of the local API (docs/api.md), shared by the server (`DaemonAPI`) and its
/// clients (`DaemonClient`, the CLI). Ids are 40 lower-case hex; binary fields are base64.
public enum API {
    public struct Status: Codable, Sendable, Equatable {
        public var version: String
        public var accounts: Int
        public var eventSubscribers: Int

        public init(version: String, accounts: Int, eventSubscribers: Int) {
            self.version = version
            self.accounts = accounts
            self.eventSubscribers = eventSubscribers
        }
    }

    public struct NewAccount: Codable, Sendable, Equatable {
        public var password: String?
        public var deviceName: String?
        public var displayName: String?

        public init(password: String? = nil, deviceName: String? = nil, displayName: String? = nil) {
            self.password = password
            self.deviceName = deviceName
            self.displayName = displayName
        }
    }

    public struct ImportAccount: Codable, Sendable, Equatable {
        /// The archive file, base64.
        public var archive: String
        public var password: String?
        public var deviceName: String?

        public init(archive: String, password: String? = nil, deviceName: String? = nil) {
            self.archive = archive
            self.password = password
            self.deviceName = deviceName
        }
    }

    public struct Account: Codable, Sendable, Equatable {
        public var id: String
        public var uri: String
        public var device: String
        public var deviceLongId: String
        public var state: RegistrationState
        public var displayName: String?
        public var archiveHasPassword: Bool
        public var devices: [Device]
        public var dhtPort: Int?
        public var dhtNodes: Int

        public init(id: String, uri: String, device: String, deviceLongId: String, state: RegistrationState, displayName: String? = nil, archiveHasPassword: Bool, devices: [Device], dhtPort: Int? = nil, dhtNodes: Int) {
            self.id = id
            self.uri = uri
            self.device = device
            self.deviceLongId = deviceLongId
            self.state = state
            self.displayName = displayName
            self.archiveHasPassword = archiveHasPassword
            self.devices = devices
            self.dhtPort = dhtPort
            self.dhtNodes = dhtNodes
        }
    }

    public struct Device: Codable, Sendable, Equatable {
        public var id: String
        public var name: String?
        public var lastSeen: Int64?

        public init(id: String, name: String? = nil, lastSeen: Int64? = nil) {
            self.id = id
            self.name = name
            self.lastSeen = lastSeen
        }
    }

    public struct Export: Codable, Sendable, Equatable {
        public var archive: String
        public var passwordProtected: Bool

        public init(archive: String, passwordProtected: Bool) {
            self.archive = archive
            self.passwordProtected = passwordProtected
        }
    }

    public struct Profile: Codable, Sendable, Equatable {
        public var displayName: String
        /// A JPEG or PNG, base64; keep it small (the whole profile must fit 60,000 bytes).
        public var avatar: String?
        public var avatarType: String?

        public init(displayName: String, avatar: String? = nil, avatarType: String? = nil) {
            self.displayName = displayName
            self.avatar = avatar
            self.avatarType = avatarType
        }
    }

    public struct AddContact: Codable, Sendable, Equatable {
        /// 40-hex id, `jami:` URI, username or `user@nameserver`.
        public var peer: String

        public init(peer: String) {
            self.peer = peer
        }
    }

    public struct Request: Codable, Sendable, Equatable {
        public var from: String
        public var device: String
        public var conversationId: String
        public var received: Int64
        public var displayName: String?
        /// The sender's vCard, base64.
        public var payload: String

        public init(from: String, device: String, conversationId: String, received: Int64, displayName: String? = nil, payload: String) {
            self.from = from
            self.device = device
            self.conversationId = conversationId
            self.received = received
            self.displayName = displayName
            self.payload = payload
        }
    }

    public struct RequestPage: Codable, Sendable, Equatable {
        public var requests: [Request]
        public var total: Int
        /// Pass as `after` for the next page; absent on the last one.
        public var next: String?

        public init(requests: [Request], total: Int, next: String? = nil) {
            self.requests = requests
            self.total = total
            self.next = next
        }
    }

    public struct Presence: Codable, Sendable, Equatable {
        public var id: String
        /// Online now: this run's DHT listen has seen a live announcement. Never from stored data.
        public var online: Bool
        /// Seconds since 1970 of the last change seen.
        public var changed: Int64
        /// Seconds since 1970 when the account was last known online (absent: never).
        public var lastSeen: Int64?

        public init(id: String, online: Bool, changed: Int64, lastSeen: Int64? = nil) {
            self.id = id
            self.online = online
            self.changed = changed
            self.lastSeen = lastSeen
        }
    }
}

extension API {
    public struct AccountList: Codable, Sendable, Equatable {
        public var accounts: [Account]
        public init(accounts: [Account]) { self.accounts = accounts }
    }
    public struct ContactList: Codable, Sendable, Equatable {
        public var contacts: [Contact]
        public init(contacts: [Contact]) { self.contacts = contacts }
    }
    public struct PresenceList: Codable, Sendable, Equatable {
        public var presence: [Presence]
        public init(presence: [Presence]) { self.presence = presence }
    }

    /// The answer of `POST …/devices/authorize`: the PIN a new device types (with the account's
    /// password) within ten minutes.
    public struct DeviceLink: Codable, Sendable, Equatable {
        /// 8 letters and digits, lower case.
        public var pin: String
        /// Seconds since 1970.
        public var expires: Int64
        public init(pin: String, expires: Int64) {
            self.pin = pin
            self.expires = expires
        }
    }

    /// The body of `POST …/devices/authorize`.
    public struct AuthorizeDevice: Codable, Sendable, Equatable {
        /// The account's archive password; none when it has none.
        public var password: String?
        public init(password: String? = nil) { self.password = password }
    }

    /// The body of `POST /v1/accounts/link`.
    public struct LinkDevice: Codable, Sendable, Equatable {
        public var pin: String
        public var password: String?
        public var deviceName: String?
        public init(pin: String, password: String? = nil, deviceName: String? = nil) {
            self.pin = pin
            self.password = password
            self.deviceName = deviceName
        }
    }
}
