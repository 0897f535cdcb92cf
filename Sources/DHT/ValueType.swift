/// The value types OpenDHT 2.4 registers by default, with their lifetimes (§7).
public struct ValueType: Sendable, Hashable {
    public var id: UInt16
    public var name: String
    /// How long a stored value lives after its creation time, in milliseconds.
    public var expiration: Int64

    public static let userData = ValueType(id: 0, name: "User Data", expiration: 10 * minute)
    public static let dhtMessage = ValueType(id: 1, name: "DHT message", expiration: 5 * minute)
    public static let ipServiceAnnouncement = ValueType(id: 2, name: "Internet Service Announcement", expiration: 15 * minute)
    public static let imMessage = ValueType(id: 3, name: "IM message", expiration: 5 * minute)
    public static let trustRequest = ValueType(id: 4, name: "Certificate trust request", expiration: 7 * day)
    public static let iceCandidates = ValueType(id: 5, name: "ICE candidates", expiration: 1 * minute)
    public static let certificate = ValueType(id: 8, name: "Certificate", expiration: 7 * day)

    static let minute: Int64 = 60_000
    static let day: Int64 = 24 * 60 * minute

    /// The registered type for `id`; unregistered ids get type 0's policy and lifetime.
    public static func forID(_ id: UInt16) -> ValueType {
        switch id {
        case 1: return .dhtMessage
        case 2: return .ipServiceAnnouncement
        case 3: return .imMessage
        case 4: return .trustRequest
        case 5: return .iceCandidates
        case 8: return .certificate
        default: return ValueType(id: id, name: ValueType.userData.name, expiration: ValueType.userData.expiration)
        }
    }
}
