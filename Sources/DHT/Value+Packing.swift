import MessagePack

extension Value {
    /// The msgpack encoding OpenDHT sends: `{id, dat[, p]}`.
    public func packed() -> [UInt8] {
        var w = MessagePackWriter(capacity: 48 + payloadSize + (owner?.count ?? 0))
        pack(into: &w)
        return w.bytes
    }

    public func pack(into w: inout MessagePackWriter) {
        w.writeMapHeader(priority != 0 ? 3 : 2)
        w.writeString("id")
        w.writeUInt(id)
        w.writeString("dat")
        if let cypher {
            w.writeBinary(cypher)
        } else {
            packWrapper(into: &w)
        }
        if priority != 0 {
            w.writeString("p")
            w.writeUInt(priority)
        }
    }

    /// The bytes an encrypted value's cypher holds (OpenDHT's `getToEncrypt`): the Wrapper map
    /// `{body[, sig]}`.
    public func wrapperBytes() -> [UInt8] {
        var w = MessagePackWriter(capacity: 48 + payloadSize + (owner?.count ?? 0))
        packWrapper(into: &w)
        return w.bytes
    }

    private func packWrapper(into w: inout MessagePackWriter) {
        w.writeMapHeader(isSigned ? 2 : 1)
        w.writeString("body")
        packBody(into: &w)
        if isSigned {
            w.writeString("sig")
            w.writeBinary(signature)
        }
    }

    /// Decodes a decrypted Wrapper (see ``wrapperBytes()``) from untrusted bytes as the value `id`.
    public init(id: UInt64, wrapper bytes: [UInt8]) throws {
        var r = MessagePackReader(bytes, limits: .dht)
        self = try Value.unpackWrapper(&r)
        guard r.isAtEnd else { throw ValueDecodingError.malformed("trailing bytes") }
        self.id = id
    }

    /// The bytes a signature covers: the Body map alone, packed as msgpack-c packs it.
    public func bodyBytes() -> [UInt8] {
        var w = MessagePackWriter(capacity: 32 + data.count + (owner?.count ?? 0))
        packBody(into: &w)
        return w.bytes
    }

    private func packBody(into w: inout MessagePackWriter) {
        let hasOwner = owner != nil
        w.writeMapHeader((userType.isEmpty ? 0 : 1) + (hasOwner ? (recipient != nil ? 5 : 4) : 2))
        if let owner {
            w.writeString("seq")
            w.writeUInt(UInt64(seq))
            w.writeString("owner")
            w.writeBinary(owner)
            if let recipient {
                w.writeString("to")
                w.writeBinaryHeader(20)
                w.appendRaw { recipient.appendBytes(to: &$0) }
            }
        }
        w.writeString("type")
        w.writeUInt(UInt64(type))
        w.writeString("data")
        w.writeBinary(data)
        if !userType.isEmpty {
            w.writeString("utype")
            w.writeString(userType)
        }
    }

    /// Decodes a packed value from untrusted bytes.
    public init(packed bytes: [UInt8]) throws {
        var r = MessagePackReader(bytes, limits: .dht)
        try self.init(reader: &r)
        guard r.isAtEnd else { throw ValueDecodingError.malformed("trailing bytes") }
    }

    /// Decodes the value at the reader's position. Keys are looked up by name; unknown keys are
    /// skipped, as OpenDHT does.
    public init(reader r: inout MessagePackReader) throws {
        let n = try r.readMapHeader()
        var id: UInt64?
        var value: Value?
        var priority: UInt64 = 0
        for _ in 0..<n {
            let key = try r.readKeyBytes()
            if key.elementsEqual("id".utf8) {
                id = try r.readUInt()
            } else if key.elementsEqual("dat".utf8) {
                let f = try r.peekFormat()
                if f == 0xc4 || f == 0xc5 || f == 0xc6 {
                    value = Value(id: 0, cypher: try r.readBinary())
                } else {
                    value = try Value.unpackWrapper(&r)
                }
            } else if key.elementsEqual("p".utf8) {
                priority = try r.readUInt()
            } else {
                try r.skipValue()
            }
        }
        guard let id else { throw ValueDecodingError.missingField("id") }
        guard var value else { throw ValueDecodingError.missingField("dat") }
        value.id = id
        value.priority = priority
        self = value
    }

    private static func unpackWrapper(_ r: inout MessagePackReader) throws -> Value {
        let n = try r.readMapHeader()
        var value: Value?
        var signature: [UInt8] = []
        for _ in 0..<n {
            let key = try r.readKeyBytes()
            if key.elementsEqual("body".utf8) {
                value = try unpackBody(&r)
            } else if key.elementsEqual("sig".utf8) {
                signature = try r.readBinary()
            } else {
                try r.skipValue()
            }
        }
        guard var value else { throw ValueDecodingError.missingField("body") }
        value.signature = signature
        if value.owner != nil && signature.isEmpty { throw ValueDecodingError.missingField("sig") }
        return value
    }

    private static func unpackBody(_ r: inout MessagePackReader) throws -> Value {
        let n = try r.readMapHeader()
        var type: UInt16?, data: [UInt8]?, seq: UInt16?, owner: [UInt8]?, to: InfoHash?
        var userType = ""
        for _ in 0..<n {
            let key = try r.readKeyBytes()
            if key.elementsEqual("type".utf8) {
                type = try r.readUInt(as: UInt16.self)
            } else if key.elementsEqual("data".utf8) {
                data = try r.readBinary()
            } else if key.elementsEqual("seq".utf8) {
                seq = try r.readUInt(as: UInt16.self)
            } else if key.elementsEqual("owner".utf8) {
                owner = try r.readBinary()
            } else if key.elementsEqual("to".utf8) {
                guard let h = InfoHash(bytes: r.bytes[try r.readBytesRange()]) else {
                    throw ValueDecodingError.invalidField("to")
                }
                to = h
            } else if key.elementsEqual("utype".utf8) {
                userType = try r.readString()
            } else {
                try r.skipValue()
            }
        }
        guard let type else { throw ValueDecodingError.missingField("type") }
        guard let data else { throw ValueDecodingError.missingField("data") }
        var v = Value(id: 0, type: type, data: data, userType: userType)
        if let owner {
            guard let seq else { throw ValueDecodingError.missingField("seq") }
            v.owner = owner
            v.seq = seq
            v.recipient = to
        }
        return v
    }
}
