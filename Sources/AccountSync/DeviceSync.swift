import Contacts
import Identity
import MessagePack

/// The contacts part of a sync message (jamid's `DeviceSync`, jami_contact.h): the account's
/// contacts and pending trust requests as one device knows them.
public struct DeviceSync: Sendable, Equatable {
    /// When it was made, in nanoseconds (jamid's `system_clock` ticks).
    public var date: UInt64
    public var deviceName: String
    /// Known devices of the account by long id: their names and short ids.
    public var devices: [DeviceLongID: KnownDevice]
    public var contacts: [PublicKeyID: Contact]
    public var requests: [PublicKeyID: Request]

    public struct KnownDevice: Sendable, Equatable {
        public var name: String
        public var id: PublicKeyID
        public init(name: String, id: PublicKeyID) {
            self.name = name
            self.id = id
        }
    }

    /// A pending trust request. Sync carries no payload (jamid sends it empty).
    public struct Request: Sendable, Equatable {
        /// The sending device's public key (DER); empty when unknown.
        public var deviceKey: [UInt8]
        public var conversationId: String
        public var received: Int64
        public init(deviceKey: [UInt8], conversationId: String, received: Int64) {
            self.deviceKey = deviceKey
            self.conversationId = conversationId
            self.received = received
        }
    }

    /// jamid sends at most this many trust requests per message.
    public static let maxRequests = 20

    public init(date: UInt64 = 0, deviceName: String = "", devices: [DeviceLongID: KnownDevice] = [:], contacts: [PublicKeyID: Contact] = [:],
                requests: [PublicKeyID: Request] = [:]) {
        self.date = date
        self.deviceName = deviceName
        self.devices = devices
        self.contacts = contacts
        self.requests = requests
    }

    var isEmpty: Bool { devices.isEmpty && contacts.isEmpty && requests.isEmpty }

    /// jamid's field order: date, device_name, devices_known (legacy, empty), devices, peers, trust_requests.
    var messagePack: MessagePackValue {
        .map([
            MessagePackPair(.string("date"), .uint(date)),
            MessagePackPair(.string("device_name"), .string(deviceName)),
            MessagePackPair(.string("devices_known"), .map([])),
            MessagePackPair(.string("devices"), .map(devices.sorted { $0.key.hex < $1.key.hex }.map { long, d in
                MessagePackPair(.binary(long.bytes), .map([MessagePackPair(.string("name"), .string(d.name)), MessagePackPair(.string("sha1"), .binary(d.id.bytes))]))
            })),
            MessagePackPair(.string("peers"), .map(contacts.sorted { $0.key.hex < $1.key.hex }.map { id, c in
                MessagePackPair(.binary(id.bytes), .map([
                    MessagePackPair(.string("added"), .int(c.added)), MessagePackPair(.string("removed"), .int(c.removed)),
                    MessagePackPair(.string("confirmed"), .bool(c.confirmed)), MessagePackPair(.string("banned"), .bool(c.banned)),
                    MessagePackPair(.string("conversationId"), .string(c.conversationId)),
                ]))
            })),
            MessagePackPair(.string("trust_requests"), .map(requests.sorted { $0.key.hex < $1.key.hex }.map { id, r in
                MessagePackPair(.binary(id.bytes), .map([
                    MessagePackPair(.string("device"), .binary(r.deviceKey)), MessagePackPair(.string("conversationId"), .string(r.conversationId)),
                    MessagePackPair(.string("received"), .int(r.received)), MessagePackPair(.string("payload"), .binary([])),
                ]))
            })),
        ])
    }

    init(_ v: MessagePackValue) throws(SyncError) {
        guard v.pairs != nil else { throw .malformed("ds is not a map") }
        self.init(date: try v.uint("date"), deviceName: try v.string("device_name"))
        for p in try v.map("devices") {
            guard case .binary(let k) = p.key, let long = DeviceLongID(bytes: k), case .binary(let sha1) = p.value.field("sha1") ?? .nil,
                  let id = PublicKeyID(bytes: sha1) else { throw .malformed("a device entry") }
            devices[long] = KnownDevice(name: try p.value.string("name"), id: id)
        }
        for p in try v.map("peers") {
            guard case .binary(let k) = p.key, let id = PublicKeyID(bytes: k), p.value.pairs != nil else { throw .malformed("a contact entry") }
            contacts[id] = Contact(added: try p.value.int("added"), removed: try p.value.int("removed"), confirmed: try p.value.bool("confirmed"),
                                   banned: try p.value.bool("banned"), conversationId: try p.value.string("conversationId"))
        }
        for p in try v.map("trust_requests") {
            guard case .binary(let k) = p.key, let id = PublicKeyID(bytes: k), p.value.pairs != nil else { throw .malformed("a trust request entry") }
            requests[id] = Request(deviceKey: try p.value.binary("device"), conversationId: try p.value.string("conversationId"), received: try p.value.int("received"))
        }
    }
}

extension DeviceSync {
    /// The largest legacy value read (a DHT value holds at most 64 KiB).
    public static let maxValueBytes = 64 << 10

    /// The legacy form jamid 13.7 also puts, encrypted to each of the account's devices, at
    /// the device's inbox (`H("inbox:" + short id)`, a user-data value): the same map as the
    /// first part of a `SyncMsg`, alone.
    public init(valueData bytes: [UInt8]) throws(SyncError) {
        guard bytes.count <= Self.maxValueBytes else { throw .tooLarge(bytes.count) }
        let value: MessagePackValue
        do { value = try MessagePackReader.decode(bytes, limits: MessagePackLimits(maxDepth: 6, maxBytesLength: 65535, maxContainerCount: 8192)) } catch {
            throw .malformed("\(error)")
        }
        try self.init(value)
    }

    /// The bytes of that legacy value.
    public var valueData: [UInt8] { messagePack.encoded }
}
