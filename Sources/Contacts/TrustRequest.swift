import DHT
import MessagePack

/// OpenDHT's `TrustRequest` (protocol §2.3): what Jami puts, encrypted, in a device's inbox to ask
/// for contact (`confirm` false) or to accept (`confirm` true). The packed map's keys come in
/// OpenDHT's order; decoding accepts any order and skips unknown keys, as msgpack-c does.
public struct TrustRequest: Sendable, Hashable {
    /// The only service Jami accepts.
    public static let jamiService = "cx.ring"
    /// Largest profile we send or keep. The encrypted value adds about 1.7 KiB (RSA block, owner
    /// key, signature, msgpack) and must stay under the DHT's 64 KiB per value.
    public static let maxPayload = 60_000

    public var service: String
    /// The 1:1 conversation offered; empty when there is none (Jami then uses its pre-swarm path).
    public var conversationId: String
    /// The sender's vCard.
    public var payload: [UInt8]
    public var confirm: Bool
    /// Milliseconds since 1970 when the invitation was made (newer Jami adds it; optional).
    public var invitedMs: Int64?

    public init(conversationId: String = "", payload: [UInt8] = [], confirm: Bool = false, service: String = TrustRequest.jamiService) {
        self.service = service
        self.conversationId = conversationId
        self.payload = payload
        self.confirm = confirm
    }

    /// The msgpack map Jami 2023 sends: {service, conversationId, payload, confirm}.
    public func encoded() -> [UInt8] {
        var w = MessagePackWriter(capacity: payload.count + 96)
        w.writeMapHeader(invitedMs == nil ? 4 : 5)
        w.writeString("service")
        w.writeString(service)
        w.writeString("conversationId")
        w.writeString(conversationId)
        w.writeString("payload")
        w.writeBinary(payload)
        w.writeString("confirm")
        w.writeBool(confirm)
        if let invitedMs {
            w.writeString("invitedMs")
            w.writeInt(invitedMs)
        }
        return w.bytes
    }

    /// Decodes a request; refuses other services, oversized fields and anything not a map.
    public init(decoding bytes: [UInt8]) throws(ContactsError) {
        self.init()
        do {
            var r = MessagePackReader(bytes, limits: .dht)
            let count = try r.readMapHeader()
            for _ in 0..<count {
                switch try r.readString() {
                case "service": service = try r.readString()
                case "conversationId": conversationId = try r.readString()
                case "payload": payload = try r.readBinary()
                case "confirm": confirm = try r.readBool()
                case "invitedMs": invitedMs = try r.readInt()
                default: try r.skipValue()
                }
            }
        } catch {
            throw .malformed("trust request: \(error)")
        }
        guard service == Self.jamiService else { throw .wrongService(String(service.prefix(64))) }
        // Conversation ids are 40 hex (a git commit id); anything else is refused rather than stored.
        guard conversationId.isEmpty || (conversationId.utf8.count == 40 && conversationId.utf8.allSatisfy(\.isHexDigit)) else {
            throw .malformed("conversationId is not a 40-hex commit id")
        }
    }

    /// The clear value to encrypt (type 4, lives 7 days).
    public func value(id: UInt64 = .random(in: 1...UInt64.max)) -> Value {
        Value(id: id, type: ValueType.trustRequest.id, data: encoded())
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x61...0x66).contains(self) || (0x41...0x46).contains(self)
    }
}
