import MessagePack

/// Jami's connection request and its answer (`peer_request` values, encrypted to the target
/// device and put at `H("peer:" + device)`): the msgpack map `{id, ice_msg, isAnswer, connType}`
/// in that order, as msgpack-c's `MSGPACK_DEFINE_MAP` writes it.
public struct PeerConnectionRequest: Sendable, Equatable {
    /// The DHT user type of these values.
    public static let userType = "peer_request"
    /// The largest request read: an ice_msg of many candidates stays far below.
    public static let maxLength = 32 << 10

    /// Random, fresh on every attempt (jamid de-duplicates by it, account-wide); 1…2^53.
    public var id: UInt64
    /// ``ICE/ICEDescription`` text.
    public var iceMessage: String
    public var isAnswer: Bool
    /// What the connection is for, a hint for push notifications: "", "sync", a MIME type…
    public var connectionType: String

    public init(id: UInt64, iceMessage: String, isAnswer: Bool, connectionType: String = "") {
        self.id = id
        self.iceMessage = iceMessage
        self.isAnswer = isAnswer
        self.connectionType = connectionType
    }

    /// A fresh id in jamid's range.
    public static func freshID(using rng: inout some RandomNumberGenerator) -> UInt64 {
        UInt64.random(in: 1...(1 << 53), using: &rng)
    }

    public var encoded: [UInt8] {
        var w = MessagePackWriter(capacity: iceMessage.utf8.count + 64)
        w.writeMapHeader(4)
        w.writeString("id"); w.writeUInt(id)
        w.writeString("ice_msg"); w.writeString(iceMessage)
        w.writeString("isAnswer"); w.writeBool(isAnswer)
        w.writeString("connType"); w.writeString(connectionType)
        return w.bytes
    }

    public enum ParseError: Error, Sendable, Equatable {
        case tooLong(Int)
        case malformed(String)
        case missing(String)
    }

    /// Parses a request in any key order; unknown keys (newer daemons' fields) are skipped.
    public init(decoding bytes: [UInt8]) throws(ParseError) {
        guard bytes.count <= Self.maxLength else { throw .tooLong(bytes.count) }
        var r = MessagePackReader(bytes, limits: MessagePackLimits(maxDepth: 4, maxBytesLength: Self.maxLength, maxContainerCount: 32))
        var id: UInt64?, ice: String?, answer: Bool?, type = ""
        do {
            let n = try r.readMapHeader()
            for _ in 0..<n {
                let key = try r.readKeyBytes()
                switch String(decoding: key, as: UTF8.self) {
                case "id": id = try r.readUInt()
                case "ice_msg": ice = try r.readString()
                case "isAnswer": answer = try r.readBool()
                case "connType": type = try r.readString()
                default: try r.skipValue()
                }
            }
        } catch {
            throw .malformed("\(error)")
        }
        guard let id, id != 0 else { throw .missing("id") }
        guard let ice else { throw .missing("ice_msg") }
        guard let answer else { throw .missing("isAnswer") }
        self.init(id: id, iceMessage: ice, isAnswer: answer, connectionType: type)
    }
}
