import MessagePack

/// A value field that queries can select or filter on (`Value::Field`).
public enum ValueField: UInt8, Sendable, Hashable, Comparable {
    case id = 1
    case valueType = 2
    case ownerPk = 3
    case seqNum = 4
    case userType = 5

    public static func < (a: ValueField, b: ValueField) -> Bool { a.rawValue < b.rawValue }
}

/// One WHERE condition: the field must equal the given value.
public enum FieldCondition: Sendable, Hashable {
    case id(UInt64)
    case valueType(UInt16)
    /// Public-key id (SHA-1 of the owner's DER key).
    case ownerPk(InfoHash)
    case seqNum(UInt16)
    case userType(String)

    public var field: ValueField {
        switch self {
        case .id: .id
        case .valueType: .valueType
        case .ownerPk: .ownerPk
        case .seqNum: .seqNum
        case .userType: .userType
        }
    }
}

/// A get/listen query: SELECT fields WHERE conditions (all must hold).
public struct Query: Sendable, Hashable {
    public var select: [ValueField]
    public var conditions: [FieldCondition]

    public init(select: [ValueField] = [], where conditions: [FieldCondition] = []) {
        self.select = select
        self.conditions = conditions
    }

    public var isEmpty: Bool { select.isEmpty && conditions.isEmpty }

    /// Whether `value` satisfies every WHERE condition. `ownerId` is the owner's pk id when known.
    public func matches(_ value: Value, ownerId: InfoHash?) -> Bool {
        conditions.allSatisfy { c in
            switch c {
            case .id(let id): return value.id == id
            case .valueType(let t): return value.type == t && !value.isEncrypted
            case .ownerPk(let h): return ownerId == h
            case .seqNum(let s): return value.seq == s
            case .userType(let u): return value.userType == u
            }
        }
    }

    /// Packs `{s: [fields], w: [{f, v}...]}` as OpenDHT does.
    public func pack(into w: inout MessagePackWriter) {
        w.writeMapHeader(2)
        w.writeString("s")
        w.writeArrayHeader(select.count)
        for f in select { w.writeUInt(UInt64(f.rawValue)) }
        w.writeString("w")
        w.writeArrayHeader(conditions.count)
        for c in conditions {
            w.writeMapHeader(2)
            w.writeString("f")
            w.writeUInt(UInt64(c.field.rawValue))
            w.writeString("v")
            switch c {
            case .id(let v): w.writeUInt(v)
            case .valueType(let v): w.writeUInt(UInt64(v))
            case .ownerPk(let h): w.writeBinary(h.bytes)
            case .seqNum(let v): w.writeUInt(UInt64(v))
            case .userType(let u): w.writeBinary(Array(u.utf8))
            }
        }
    }

    /// Decodes a query, skipping conditions on unknown fields as OpenDHT ignores them.
    public init(reader r: inout MessagePackReader) throws {
        self.init()
        let n = try r.readMapHeader()
        for _ in 0..<n {
            let key = try r.readKeyBytes()
            if key.elementsEqual("s".utf8) {
                let count = try r.readArrayHeader()
                for _ in 0..<count {
                    let raw = try r.readUInt()
                    if let f = ValueField(rawValue: UInt8(truncatingIfNeeded: raw)), raw <= 5 { select.append(f) }
                }
            } else if key.elementsEqual("w".utf8) {
                let count = try r.readArrayHeader()
                for _ in 0..<count {
                    if let c = try Self.readCondition(&r) { conditions.append(c) }
                }
            } else {
                try r.skipValue()
            }
        }
    }

    private static func readCondition(_ r: inout MessagePackReader) throws -> FieldCondition? {
        let n = try r.readMapHeader()
        var field: UInt64?
        var raw: ArraySlice<UInt8>?
        for _ in 0..<n {
            let key = try r.readKeyBytes()
            if key.elementsEqual("f".utf8) { field = try r.readUInt() }
            else if key.elementsEqual("v".utf8) { raw = try r.readRawValue() }
            else { try r.skipValue() }
        }
        guard let field, let raw else { throw ValueDecodingError.malformed("query condition without f or v") }
        var vr = MessagePackReader(Array(raw), limits: .dht)
        switch field {
        case 1: return .id(try vr.readUInt())
        case 2: return .valueType(try vr.readUInt(as: UInt16.self))
        case 3:
            guard let h = InfoHash(bytes: vr.bytes[try vr.readBytesRange()]) else { throw ValueDecodingError.invalidField("owner pk id") }
            return .ownerPk(h)
        case 4: return .seqNum(try vr.readUInt(as: UInt16.self))
        case 5: return .userType(String(decoding: vr.bytes[try vr.readBytesRange()], as: UTF8.self))
        default: return nil
        }
    }
}
