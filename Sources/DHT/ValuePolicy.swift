import MessagePack

/// Per-type store and edit rules of OpenDHT's default types (§6.4, §7). Signature checks on store
/// belong to the SecureDHT layer; here a signed value is only edited by a value of the same
/// owner with a higher sequence number.
public enum ValuePolicy {
    /// Returns why `value` must be refused, or adjusts it in place and returns nil.
    static func check(_ value: inout Value, sender: PeerAddress) -> String? {
        guard !value.isEncrypted else { return nil }
        switch value.type {
        case ValueType.dhtMessage.id:
            var r = MessagePackReader(value.data, limits: .dht)
            guard (try? r.readArrayHeader()) == 2, let service = try? r.readString(), !service.isEmpty else {
                return "DHT message without a service"
            }
            return nil
        case ValueType.ipServiceAnnouncement.id:
            guard let rewritten = rewriteAnnouncement(value.data, observed: sender) else {
                return "bad service announcement"
            }
            value.data = rewritten
            return nil
        default:
            return nil
        }
    }

    /// OpenDHT's edit rule for signed values: same owner and a higher `seq`, or the same `seq`
    /// with identical signed content.
    public static func mayEdit(_ old: Value, with new: Value) -> Bool {
        guard let owner = old.owner, old.isSigned, new.isSigned, new.owner == owner else { return false }
        return new.seq > old.seq || (new.seq == old.seq && new.bodyBytes() == old.bodyBytes())
    }

    /// Replaces the address in a raw Linux `sockaddr` with the sender's observed one, keeping the
    /// announced port (which must not be 0).
    static func rewriteAnnouncement(_ data: [UInt8], observed: PeerAddress) -> [UInt8]? {
        guard data.count >= 4 else { return nil }
        let family = UInt16(data[0]) | UInt16(data[1]) << 8
        guard (family == 2 && data.count >= 16) || (family == 10 && data.count >= 28) else { return nil }
        let port = [data[2], data[3]]
        guard port != [0, 0] else { return nil }
        switch observed.ip {
        case .v4:
            return [2, 0] + port + observed.addressBytes + [UInt8](repeating: 0, count: 8)
        case .v6:
            return [10, 0] + port + [0, 0, 0, 0] + observed.addressBytes + [0, 0, 0, 0]
        }
    }
}
