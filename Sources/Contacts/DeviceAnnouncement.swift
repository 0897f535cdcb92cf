import DHT
import Identity
import MessagePack
import SecureDHT

/// Jami's `DeviceAnnouncement` (protocol §1.7, §2.2): "device `dev`, whose key is `pk`, belongs to
/// this account", signed by the account key and kept at the account id by each running device.
/// Peers count these values to know whether an account is online and use `dev` to find each
/// device's certificate.
public struct DeviceAnnouncement: Sendable, Hashable {
    /// The device's short id (SHA-1 of its key).
    public var device: PublicKeyID
    /// The device's DER SubjectPublicKeyInfo.
    public var devicePublicKey: [UInt8]

    public init(device: DeviceIdentity) {
        self.device = device.shortID
        devicePublicKey = device.key.publicKey.spkiDER
    }

    /// msgpack map {dev: bin(20), pk: bin(DER)}.
    public func encoded() -> [UInt8] {
        var w = MessagePackWriter(capacity: devicePublicKey.count + 40)
        w.writeMapHeader(2)
        w.writeString("dev")
        w.writeBinary(device.bytes)
        w.writeString("pk")
        w.writeBinary(devicePublicKey)
        return w.bytes
    }

    /// The signed type-0 value a device publishes (permanently) at its account id. Signing needs
    /// the account key, so this is made once, when the device is created or the account unlocked,
    /// and kept beside the device key (as Jami keeps its "receipt").
    public func signedValue(accountKey: RSAPrivateKey, id: UInt64 = .random(in: 1...UInt64.max)) throws(SecureDHTError) -> Value {
        try Value(id: id, type: ValueType.userData.id, data: encoded()).signed(by: accountKey)
    }

    /// The announcement in `value`, found at `account`'s key. The value's signature must already
    /// have been checked (``SecureDHTNode`` does); this checks the rest: the signer is the account
    /// and `pk` hashes to `dev`.
    public init(value: Value, account: PublicKeyID) throws(ContactsError) {
        guard value.type == ValueType.userData.id, value.isSigned, !value.isEncrypted else { throw .badAnnouncement("not a signed type-0 value") }
        guard value.ownerID?.bytes == account.bytes else { throw .badAnnouncement("not signed by account \(account)") }
        var dev: [UInt8]?, pk: [UInt8]?
        do {
            var r = MessagePackReader(value.data, limits: .dht)
            let count = try r.readMapHeader()
            for _ in 0..<count {
                switch try r.readString() {
                case "dev": dev = try r.readBinary()
                case "pk": pk = try r.readBinary()
                default: try r.skipValue()
                }
            }
        } catch {
            throw .badAnnouncement("\(error)")
        }
        guard let dev, let id = PublicKeyID(bytes: dev) else { throw .badAnnouncement("no 20-byte dev") }
        device = id
        devicePublicKey = pk ?? []
        // Old announcements carry no key; when one is given it must be the device's.
        guard pk == nil || PublicKeyID(spki: devicePublicKey) == id else { throw .badAnnouncement("pk is not the key of dev") }
    }
}
