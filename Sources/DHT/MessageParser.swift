import MessagePack

/// Decodes datagrams into ``WireMessage``s. Every failure is a ``MessageParseError``; the parser
/// never traps. Cost is linear in the datagram size.
public enum MessageParser {
    /// Decodes one datagram.
    public static func parse(_ bytes: [UInt8]) throws(MessageParseError) -> WireMessage {
        do {
            var r = MessagePackReader(bytes, limits: .dht)
            return try parseTopLevel(&r)
        } catch let e as MessageParseError {
            throw e
        } catch let e as MessagePackError {
            throw .msgpack(e.description)
        } catch {
            throw .invalidField("\(error)")
        }
    }

    private static func parseTopLevel(_ r: inout MessagePackReader) throws -> WireMessage {
        guard (try? r.peekFormat()).map({ (0x80...0x8f).contains($0) || $0 == 0xde || $0 == 0xdf }) == true else {
            throw MessageParseError.notAMap
        }
        let n = try r.readMapHeader()
        var msg = WireMessage(kind: .reply)
        var y: UInt8 = 0
        var q: ArraySlice<UInt8>?
        var hasE = false, hasR = false, hasP = false, hasU = false
        for _ in 0..<n {
            let key = try r.readKeyBytes()
            guard key.count == 1, let k = key.first else { try r.skipValue(); continue }
            switch k {
            case UInt8(ascii: "y"):
                y = try r.readKeyBytes().first ?? 0
            case UInt8(ascii: "t"):
                msg.tid = try readTid(&r)
            case UInt8(ascii: "q"):
                q = try r.readKeyBytes()
            case UInt8(ascii: "a"), UInt8(ascii: "r"), UInt8(ascii: "u"):
                if k == UInt8(ascii: "r") { hasR = true }
                if k == UInt8(ascii: "u") { hasU = true }
                try parseArguments(&r, into: &msg)
            case UInt8(ascii: "e"):
                hasE = true
                let count = try r.readArrayHeader()
                for i in 0..<count {
                    if i == 0 { msg.errorCode = try r.readUInt(as: UInt16.self) }
                    else if i == 1, (try? r.peekFormat()).map({ (0xa0...0xbf).contains($0) || (0xd9...0xdb).contains($0) }) == true {
                        msg.errorMessage = try r.readString()
                    } else { try r.skipValue() }
                }
            case UInt8(ascii: "p"):
                hasP = true
                msg.parts = try parseParts(&r)
            case UInt8(ascii: "v"):
                msg.userAgent = String(decoding: try r.readKeyBytes(), as: UTF8.self)
            case UInt8(ascii: "n"):
                msg.network = try r.readUInt(as: UInt32.self)
            case UInt8(ascii: "s"):
                msg.isClient = try r.readBool()
            default:
                try r.skipValue()
            }
        }
        if hasE { msg.kind = .error }
        else if hasR || hasU { msg.kind = .reply }
        else if hasP { msg.kind = .valueParts }
        else if y == UInt8(ascii: "q") {
            guard let q else { throw MessageParseError.missingField("q") }
            guard let method = WireMessage.QueryMethod(name: q) else {
                throw MessageParseError.unknownQuery(String(decoding: q, as: UTF8.self))
            }
            msg.kind = .query(method)
        } else {
            throw MessageParseError.unknownKind
        }
        if msg.kind != .valueParts && msg.senderId.isZero { throw MessageParseError.missingField("id") }
        return msg
    }

    /// Transaction ids are uint32; very old peers sent 4 big-endian bytes.
    static func readTid(_ r: inout MessagePackReader) throws -> UInt32 {
        let f = try r.peekFormat()
        if (0xa0...0xbf).contains(f) || (0xc4...0xc6).contains(f) || (0xd9...0xdb).contains(f) {
            let b = try r.readKeyBytes()
            guard b.count == 4 else { throw MessageParseError.invalidField("t") }
            return b.reduce(0) { $0 << 8 | UInt32($1) }
        }
        return try r.readUInt(as: UInt32.self)
    }

    private static func parseArguments(_ r: inout MessagePackReader, into msg: inout WireMessage) throws {
        let n = try r.readMapHeader()
        for _ in 0..<n {
            let key = try r.readKeyBytes()
            switch ArgumentKey(key) {
            case .id: msg.senderId = try hash(&r, "id")
            case .h: msg.infoHash = try hash(&r, "h")
            case .target: msg.target = try hash(&r, "target")
            case .q: msg.query = try Query(reader: &r)
            case .w:
                let count = try r.readArrayHeader()
                var families: [AddressFamily] = []
                for _ in 0..<count {
                    if let f = AddressFamily(wireValue: try r.readUInt()), !families.contains(f) { families.append(f) }
                }
                msg.want = families
            case .token:
                let t = try r.readBinary()
                guard t.count <= 64 else { throw MessageParseError.invalidField("token") }
                msg.token = t
            case .n4: msg.nodes4 = try nodes(&r, addressLength: 4)
            case .n6: msg.nodes6 = try nodes(&r, addressLength: 16)
            case .sa:
                let sa = try r.readBinary()
                if sa.count == 4 || sa.count == 16 { msg.reportedIP = sa }
            case .values: try parseValues(&r, into: &msg)
            case .fileds: msg.fieldRows = try parseFieldRows(&r)
            case .vid: msg.valueId = try r.readUInt()
            case .c: msg.created = try r.readUInt()
            case .sid: msg.socketId = try r.readUInt(as: UInt32.self)
            case .ve: msg.protocolVersion = try r.readUInt()
            case .exp: msg.expiredIds = try uintArray(&r)
            case .re: msg.refreshedIds = try uintArray(&r)
            case nil: try r.skipValue()
            }
        }
    }

    private static func hash(_ r: inout MessagePackReader, _ name: String) throws -> InfoHash {
        guard let h = InfoHash(bytes: r.bytes[try r.readBytesRange()]) else { throw MessageParseError.invalidField(name) }
        return h
    }

    private static func nodes(_ r: inout MessagePackReader, addressLength: Int) throws -> [WireMessage.NodeEntry] {
        let range = try r.readBytesRange()
        let record = 20 + addressLength + 2
        guard range.count % record == 0 else { throw MessageParseError.invalidField(addressLength == 4 ? "n4" : "n6") }
        var out: [WireMessage.NodeEntry] = []
        out.reserveCapacity(range.count / record)
        var i = range.lowerBound
        while i < range.upperBound {
            let id = InfoHash(bytes: r.bytes[i..<(i + 20)])!  // safe: the slice is exactly 20 bytes
            let port = UInt16(r.bytes[i + 20 + addressLength]) << 8 | UInt16(r.bytes[i + 21 + addressLength])
            if let addr = PeerAddress(addressBytes: r.bytes[(i + 20)..<(i + 20 + addressLength)], port: port) {
                out.append(.init(id: id, address: addr))
            }
            i += record
        }
        return out
    }

    private static func parseValues(_ r: inout MessagePackReader, into msg: inout WireMessage) throws {
        let count = try r.readArrayHeader()
        for _ in 0..<count {
            let f = try r.peekFormat()
            if f <= 0x7f || (0xcc...0xcf).contains(f) {
                let size = try r.readUInt()
                guard size <= UInt64(Value.maxPayloadSize + 4096) else { throw MessageParseError.invalidField("value size") }
                msg.valueSizes.append(Int(size))
            } else {
                // A value that does not decode is skipped, like OpenDHT's "Error reading value".
                let raw = try r.readRawValue()
                if let v = try? Value(packed: Array(raw)) { msg.values.append(v) } else { msg.droppedValues += 1 }
            }
        }
    }

    private static func parseFieldRows(_ r: inout MessagePackReader) throws -> WireMessage.FieldRows {
        let n = try r.readMapHeader()
        var fields: [ValueField] = []
        var flat: [MessagePackValue] = []
        for _ in 0..<n {
            let key = try r.readKeyBytes()
            if key.elementsEqual("f".utf8) {
                for _ in 0..<(try r.readArrayHeader()) {
                    guard let f = ValueField(rawValue: UInt8(truncatingIfNeeded: try r.readUInt())) else {
                        throw MessageParseError.invalidField("fileds.f")
                    }
                    fields.append(f)
                }
            } else if key.elementsEqual("v".utf8) {
                for _ in 0..<(try r.readArrayHeader()) { flat.append(try r.readValue()) }
            } else {
                try r.skipValue()
            }
        }
        guard !fields.isEmpty, flat.count % fields.count == 0 else { throw MessageParseError.invalidField("fileds") }
        var rows: [[FieldCondition]] = []
        for start in stride(from: 0, to: flat.count, by: fields.count) {
            var row: [FieldCondition] = []
            for (i, f) in fields.enumerated() {
                let v = flat[start + i]
                switch f {
                case .id: row.append(.id(v.uintValue ?? 0))
                case .valueType: row.append(.valueType(UInt16(truncatingIfNeeded: v.uintValue ?? 0)))
                case .seqNum: row.append(.seqNum(UInt16(truncatingIfNeeded: v.uintValue ?? 0)))
                case .userType: row.append(.userType(v.bytesValue.map { String(decoding: $0, as: UTF8.self) } ?? ""))
                case .ownerPk: row.append(.ownerPk(v.bytesValue.flatMap { InfoHash(bytes: $0) } ?? .zero))
                }
            }
            rows.append(row)
        }
        return .init(fields: fields, rows: rows)
    }

    private static func parseParts(_ r: inout MessagePackReader) throws -> [WireMessage.ValuePart] {
        var parts: [WireMessage.ValuePart] = []
        for _ in 0..<(try r.readMapHeader()) {
            let index = try r.readUInt()
            var offset: UInt64?
            var data: [UInt8]?
            for _ in 0..<(try r.readMapHeader()) {
                let key = try r.readKeyBytes()
                if key.elementsEqual("o".utf8) { offset = try r.readUInt() }
                else if key.elementsEqual("d".utf8) { data = try r.readBinary() }
                else { try r.skipValue() }
            }
            guard let offset, let data, index < 1 << 16, offset < 1 << 20 else { throw MessageParseError.invalidField("p") }
            parts.append(.init(index: Int(index), offset: Int(offset), data: data))
        }
        return parts
    }

    private static func uintArray(_ r: inout MessagePackReader) throws -> [UInt64] {
        let n = try r.readArrayHeader()
        var out: [UInt64] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try r.readUInt()) }
        return out
    }

    /// Argument keys, recognised without allocating (this runs for every key of every datagram).
    private enum ArgumentKey {
        case id, h, target, q, w, token, n4, n6, sa, values, fileds, vid, c, sid, ve, exp, re

        init?(_ k: ArraySlice<UInt8>) {
            func eq(_ s: StaticString) -> Bool {
                s.withUTF8Buffer { k.elementsEqual($0) }
            }
            switch k.count {
            case 1:
                switch k.first {
                case UInt8(ascii: "h"): self = .h
                case UInt8(ascii: "q"): self = .q
                case UInt8(ascii: "w"): self = .w
                case UInt8(ascii: "c"): self = .c
                default: return nil
                }
            case 2:
                if eq("id") { self = .id } else if eq("sa") { self = .sa } else if eq("n4") { self = .n4 }
                else if eq("n6") { self = .n6 } else if eq("ve") { self = .ve } else if eq("re") { self = .re }
                else { return nil }
            case 3:
                if eq("vid") { self = .vid } else if eq("sid") { self = .sid } else if eq("exp") { self = .exp }
                else { return nil }
            case 5:
                if eq("token") { self = .token } else { return nil }
            case 6:
                if eq("values") { self = .values } else if eq("target") { self = .target }
                else if eq("fileds") { self = .fileds } else { return nil }
            default:
                return nil
            }
        }
    }
}
