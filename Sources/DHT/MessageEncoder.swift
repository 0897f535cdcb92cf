import MessagePack

/// Builds datagrams exactly as OpenDHT 2.4.12 lays them out (key order, `v: "RNG1"`, `n` only when
/// non-zero), so captures of ours and theirs compare byte for byte.
public struct MessageEncoder: Sendable {
    public var nodeId: InfoHash
    public var network: UInt32
    public var userAgent: String = "RNG1"

    /// Values whose packed sizes total this much or more travel as value parts (`MAX_PACKET_VALUE_SIZE`).
    public static let maxInlineValueBytes = 600
    /// Values per message above which parts are used.
    public static let maxInlineValues = 50
    /// Largest chunk of a value part (`MTU`).
    public static let partSize = 1280

    public init(nodeId: InfoHash, network: UInt32) {
        self.nodeId = nodeId
        self.network = network
    }

    // MARK: Queries

    public func ping(tid: UInt32) -> [UInt8] {
        query("ping", tid: tid) { w in
            w.writeMapHeader(1)
            writeId(&w)
        }
    }

    public func find(tid: UInt32, target: InfoHash, want: [AddressFamily]?) -> [UInt8] {
        query("find", tid: tid) { w in
            w.writeMapHeader(want == nil ? 2 : 3)
            writeId(&w)
            writeHash(&w, "target", target)
            if let want { writeWant(&w, want) }
        }
    }

    public func get(tid: UInt32, key: InfoHash, query q: Query, want: [AddressFamily]?) -> [UInt8] {
        query("get", tid: tid) { w in
            w.writeMapHeader(2 + (q.isEmpty ? 0 : 1) + (want == nil ? 0 : 1))
            writeId(&w)
            writeHash(&w, "h", key)
            if !q.isEmpty {
                w.writeString("q")
                q.pack(into: &w)
            }
            if let want { writeWant(&w, want) }
        }
    }

    /// A put of pre-packed values; returns the query followed by any value parts.
    public func put(tid: UInt32, key: InfoHash, packedValues: [[UInt8]], created: UInt64?, token: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        let q = query("put", tid: tid) { w in
            w.writeMapHeader(created == nil ? 4 : 5)
            writeId(&w)
            writeHash(&w, "h", key)
            parts = writeValues(&w, packedValues)
            if let created {
                w.writeString("c")
                w.writeUInt(created)
            }
            w.writeString("token")
            w.writeBinary(token)
        }
        return [q] + valueParts(tid: tid, parts)
    }

    public func listen(tid: UInt32, key: InfoHash, token: [UInt8], socketId: UInt32, query q: Query) -> [UInt8] {
        query("listen", tid: tid) { w in
            w.writeMapHeader(q.isEmpty ? 5 : 6)
            writeId(&w)
            w.writeString("ve")
            w.writeUInt(1)
            writeHash(&w, "h", key)
            w.writeString("token")
            w.writeBinary(token)
            w.writeString("sid")
            w.writeUInt(UInt64(socketId))
            if !q.isEmpty {
                w.writeString("q")
                q.pack(into: &w)
            }
        }
    }

    public func refresh(tid: UInt32, key: InfoHash, valueId: UInt64, token: [UInt8]) -> [UInt8] {
        query("refresh", tid: tid) { w in
            w.writeMapHeader(4)
            writeId(&w)
            writeHash(&w, "h", key)
            w.writeString("vid")
            w.writeUInt(valueId)
            w.writeString("token")
            w.writeBinary(token)
        }
    }

    /// Notifies a listener of new or changed values; returns the query followed by any parts.
    public func updateValues(tid: UInt32, key: InfoHash, socketId: UInt32, packedValues: [[UInt8]], created: UInt64?, token: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        let q = query("update", tid: tid) { w in
            w.writeMapHeader(created == nil ? 6 : 7)
            writeId(&w)
            w.writeString("ve")
            w.writeUInt(1)
            writeHash(&w, "h", key)
            w.writeString("sid")
            w.writeUInt(UInt64(socketId))
            parts = writeValues(&w, packedValues)
            if let created {
                w.writeString("c")
                w.writeUInt(created)
            }
            w.writeString("token")
            w.writeBinary(token)
        }
        return [q] + valueParts(tid: tid, parts)
    }

    /// Notifies a listener that values expired (`exp`) or were refreshed (`re`).
    public func updateIds(tid: UInt32, socketId: UInt32, token: [UInt8], ids: [UInt64], expired: Bool) -> [UInt8] {
        query("update", tid: tid) { w in
            w.writeMapHeader(4)
            writeId(&w)
            w.writeString("sid")
            w.writeUInt(UInt64(socketId))
            w.writeString("token")
            w.writeBinary(token)
            w.writeString(expired ? "exp" : "re")
            w.writeArrayHeader(ids.count)
            for id in ids { w.writeUInt(id) }
        }
    }

    // MARK: Replies

    /// Reply to ping, listen and update: `{id, sa}`.
    public func pong(tid: UInt32, to requester: PeerAddress) -> [UInt8] {
        reply(tid: tid) { w in
            w.writeMapHeader(2)
            writeId(&w)
            writeSA(&w, requester)
        }
    }

    /// Acknowledges a put or refresh: `{id, vid, sa}`.
    public func valueAck(tid: UInt32, valueId: UInt64, to requester: PeerAddress) -> [UInt8] {
        reply(tid: tid) { w in
            w.writeMapHeader(3)
            writeId(&w)
            w.writeString("vid")
            w.writeUInt(valueId)
            writeSA(&w, requester)
        }
    }

    /// What a find/get reply carries besides the nodes.
    public enum Payload {
        case none
        case values([[UInt8]])
        case fields([ValueField], [Value])
    }

    /// Reply to find and get: nodes, a token, and values or selected fields.
    /// `nodes4`/`nodes6` are already compact-encoded (26/38 bytes a node).
    public func nodesReply(tid: UInt32, to requester: PeerAddress, nodes4: [UInt8], nodes6: [UInt8], token: [UInt8], payload: Payload) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        let hasPayload: Bool
        switch payload {
        case .none: hasPayload = false
        case .values(let v): hasPayload = !v.isEmpty
        case .fields(_, let v): hasPayload = !v.isEmpty
        }
        let r = reply(tid: tid) { w in
            w.writeMapHeader(2 + (hasPayload ? 1 : 0) + (nodes4.isEmpty ? 0 : 1) + (nodes6.isEmpty ? 0 : 1) + (token.isEmpty ? 0 : 1))
            writeId(&w)
            writeSA(&w, requester)
            if !nodes4.isEmpty { w.writeString("n4"); w.writeBinary(nodes4) }
            if !nodes6.isEmpty { w.writeString("n6"); w.writeBinary(nodes6) }
            if !token.isEmpty { w.writeString("token"); w.writeBinary(token) }
            guard hasPayload else { return }
            switch payload {
            case .none: break
            case .values(let values): parts = writeValues(&w, values)
            case .fields(let fields, let values):
                w.writeString("fileds")
                w.writeMapHeader(2)
                w.writeString("f")
                w.writeArrayHeader(fields.count)
                for f in fields { w.writeUInt(UInt64(f.rawValue)) }
                w.writeString("v")
                w.writeArrayHeader(values.count * fields.count)
                for v in values {
                    for f in fields {
                        switch f {
                        case .id: w.writeUInt(v.id)
                        case .valueType: w.writeUInt(UInt64(v.type))
                        case .ownerPk: w.writeBinary(v.owner ?? InfoHash.zero.bytes)
                        case .seqNum: w.writeUInt(UInt64(v.seq))
                        case .userType: w.writeString(v.userType)
                        }
                    }
                }
            }
        }
        return parts.isEmpty ? [r] : [r] + valueParts(tid: tid, parts)
    }

    public func error(tid: UInt32, code: DHTErrorCode, message: String) -> [UInt8] {
        var w = MessagePackWriter(capacity: 96)
        w.writeMapHeader(network == 0 ? 5 : 6)
        w.writeString("e")
        w.writeArrayHeader(2)
        w.writeUInt(UInt64(code.rawValue))
        w.writeString(message)
        w.writeString("r")
        w.writeMapHeader(1)
        writeId(&w)
        writeTrailer(&w, tid: tid, y: "e")
        return w.bytes
    }

    // MARK: Pieces

    private func query(_ name: String, tid: UInt32, arguments: (inout MessagePackWriter) -> Void) -> [UInt8] {
        var w = MessagePackWriter(capacity: 128)
        w.writeMapHeader(network == 0 ? 5 : 6)
        w.writeString("a")
        arguments(&w)
        w.writeString("q")
        w.writeString(name)
        writeTrailer(&w, tid: tid, y: "q")
        return w.bytes
    }

    private func reply(tid: UInt32, body: (inout MessagePackWriter) -> Void) -> [UInt8] {
        var w = MessagePackWriter(capacity: 96)
        w.writeMapHeader(network == 0 ? 4 : 5)
        w.writeString("r")
        body(&w)
        writeTrailer(&w, tid: tid, y: "r")
        return w.bytes
    }

    private func writeTrailer(_ w: inout MessagePackWriter, tid: UInt32, y: String) {
        w.writeString("t")
        w.writeUInt(UInt64(tid))
        w.writeString("y")
        w.writeString(y)
        w.writeString("v")
        w.writeString(userAgent)
        if network != 0 {
            w.writeString("n")
            w.writeUInt(UInt64(network))
        }
    }

    private func writeId(_ w: inout MessagePackWriter) {
        writeHash(&w, "id", nodeId)
    }

    private func writeHash(_ w: inout MessagePackWriter, _ key: String, _ h: InfoHash) {
        w.writeString(key)
        w.writeBinaryHeader(20)
        w.appendRaw { h.appendBytes(to: &$0) }
    }

    private func writeSA(_ w: inout MessagePackWriter, _ a: PeerAddress) {
        w.writeString("sa")
        w.writeBinary(a.addressBytes)
    }

    private func writeWant(_ w: inout MessagePackWriter, _ want: [AddressFamily]) {
        w.writeString("w")
        w.writeArrayHeader(want.count)
        for f in want { w.writeUInt(f.wireValue) }
    }

    /// Writes `values` inline, or their sizes when they must go as parts (returned).
    private func writeValues(_ w: inout MessagePackWriter, _ values: [[UInt8]]) -> [[UInt8]] {
        w.writeString("values")
        w.writeArrayHeader(values.count)
        let total = values.reduce(0) { $0 + $1.count }
        if values.count < Self.maxInlineValues && total < Self.maxInlineValueBytes {
            for v in values { w.writeRaw(v) }
            return []
        }
        for v in values { w.writeUInt(UInt64(v.count)) }
        return values
    }

    /// `{[n,] y: "p", t, p: {index: {o, d}}}` datagrams for values announced by size.
    public func valueParts(tid: UInt32, _ values: [[UInt8]]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for (i, v) in values.enumerated() {
            var start = 0
            repeat {
                let end = min(start + Self.partSize, v.count)
                var w = MessagePackWriter(capacity: end - start + 48)
                w.writeMapHeader(network == 0 ? 3 : 4)
                if network != 0 {
                    w.writeString("n")
                    w.writeUInt(UInt64(network))
                }
                w.writeString("y")
                w.writeString("p")
                w.writeString("t")
                w.writeUInt(UInt64(tid))
                w.writeString("p")
                w.writeMapHeader(1)
                w.writeUInt(UInt64(i))
                w.writeMapHeader(2)
                w.writeString("o")
                w.writeUInt(UInt64(start))
                w.writeString("d")
                w.writeBinary(v[start..<end])
                out.append(w.bytes)
                start = end
            } while start < v.count
        }
        return out
    }
}

extension WireMessage.NodeEntry {
    /// Appends the compact form: id ‖ address ‖ port (26 or 38 bytes).
    public func appendCompact(to out: inout [UInt8]) {
        id.appendBytes(to: &out)
        out.append(contentsOf: address.addressBytes)
        out.append(UInt8(address.port >> 8))
        out.append(UInt8(truncatingIfNeeded: address.port))
    }
}
