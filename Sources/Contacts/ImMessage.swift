import MessagePack

/// OpenDHT's ImMessage (value type 3, encrypted to one device, put at its inbox): the legacy
/// path jamid uses for a notification when no `sip` channel is open, a swarm commit
/// notification (`application/im-gitmessage-id`) among them (jami-protocol §1, §5.12).
public struct ImMessage: Sendable, Equatable {
    /// A fresh token per message (jamid de-duplicates by it, across restarts).
    public var id: UInt64
    public var body: String
    /// The MIME type; empty means text/plain.
    public var datatype: String
    /// Seconds since 1970.
    public var date: Int64

    public init(id: UInt64, body: String, datatype: String, date: Int64) {
        (self.id, self.body, self.datatype, self.date) = (id, body, datatype, date)
    }

    /// msgpack map {id, msg, date, status, datatype, metadatas}.
    public func encoded() -> [UInt8] {
        var w = MessagePackWriter(capacity: body.utf8.count + datatype.utf8.count + 64)
        w.writeMapHeader(6)
        w.writeString("id"); w.writeUInt(id)
        w.writeString("msg"); w.writeString(body)
        w.writeString("date"); w.writeInt(date)
        w.writeString("status"); w.writeUInt(0)
        w.writeString("datatype"); w.writeString(datatype)
        w.writeString("metadatas"); w.writeMapHeader(0)
        return w.bytes
    }

    /// Reads one (unknown keys skipped). The body is capped at 64 KiB: notifications and
    /// receipts are tiny, and a legacy text message longer than that is refused.
    public init(decoding bytes: [UInt8]) throws(ContactsError) {
        self.init(id: 0, body: "", datatype: "", date: 0)
        do {
            var r = MessagePackReader(bytes, limits: .dht)
            let count = try r.readMapHeader()
            for _ in 0..<count {
                switch try r.readString() {
                case "id": id = try r.readUInt()
                case "msg": body = try r.readString()
                case "date": date = try r.readInt()
                case "datatype": datatype = try r.readString()
                default: try r.skipValue()
                }
            }
        } catch {
            throw .malformed("ImMessage: \(error)")
        }
        guard body.utf8.count <= 64 << 10 else { throw .malformed("ImMessage body of \(body.utf8.count) bytes") }
    }

    /// The receipt jamid waits for: the same id, no body.
    public var receipt: ImMessage { ImMessage(id: id, body: "", datatype: "", date: date) }

    /// The notification that `commit` is new in `conversation`, written by our device `device`
    /// (its long id): `{"commit":…,"deviceId":…,"id":…}` as jamid writes it.
    public static func gitMessage(conversation: String, commit: String, device: String, id: UInt64, date: Int64) -> ImMessage {
        ImMessage(id: id, body: #"{"commit":"\#(commit)","deviceId":"\#(device)","id":"\#(conversation)"}"#,
                  datatype: "application/im-gitmessage-id", date: date)
    }
}
