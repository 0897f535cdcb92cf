/// A bounded, streaming msgpack reader over untrusted bytes.
///
/// Every read checks the remaining input and the configured ``MessagePackLimits`` and throws a
/// ``MessagePackError`` instead of trapping. Reads are O(1) except for payload copies and
/// ``skipValue()``/``readValue()``, which are linear in the bytes they cover. A count read from a
/// container header is never larger than the bytes left, so a lying header cannot make a caller
/// allocate more than the input size.
public struct MessagePackReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var position: Int
    public let limits: MessagePackLimits

    public init(_ bytes: [UInt8], limits: MessagePackLimits = MessagePackLimits()) {
        self.bytes = bytes
        self.position = 0
        self.limits = limits
    }

    public var isAtEnd: Bool { position >= bytes.count }
    public var remaining: Int { bytes.count - position }

    /// The format byte of the next object, without consuming it.
    public func peekFormat() throws(MessagePackError) -> UInt8 {
        guard position < bytes.count else { throw .truncated }
        return bytes[position]
    }

    public var nextIsNil: Bool { position < bytes.count && bytes[position] == 0xc0 }

    // MARK: Containers

    public mutating func readMapHeader() throws(MessagePackError) -> Int {
        let f = try byte()
        let count: Int
        switch f {
        case 0x80...0x8f: count = Int(f & 0x0f)
        case 0xde: count = Int(try big(UInt16.self))
        case 0xdf: count = Int(try big(UInt32.self))
        default: position -= 1; throw .typeMismatch(expected: "map", found: f)
        }
        return try checkedCount(count, minimumBytesEach: 2)
    }

    public mutating func readArrayHeader() throws(MessagePackError) -> Int {
        let f = try byte()
        let count: Int
        switch f {
        case 0x90...0x9f: count = Int(f & 0x0f)
        case 0xdc: count = Int(try big(UInt16.self))
        case 0xdd: count = Int(try big(UInt32.self))
        default: position -= 1; throw .typeMismatch(expected: "array", found: f)
        }
        return try checkedCount(count, minimumBytesEach: 1)
    }

    // MARK: Scalars

    public mutating func readBool() throws(MessagePackError) -> Bool {
        let f = try byte()
        switch f {
        case 0xc2: return false
        case 0xc3: return true
        default: position -= 1; throw .typeMismatch(expected: "bool", found: f)
        }
    }

    /// Reads any integer format holding a non-negative value.
    public mutating func readUInt() throws(MessagePackError) -> UInt64 {
        let f = try byte()
        switch f {
        case 0x00...0x7f: return UInt64(f)
        case 0xcc: return UInt64(try big(UInt8.self))
        case 0xcd: return UInt64(try big(UInt16.self))
        case 0xce: return UInt64(try big(UInt32.self))
        case 0xcf: return try big(UInt64.self)
        case 0xd0: return try nonNegative(Int64(Int8(bitPattern: try big(UInt8.self))))
        case 0xd1: return try nonNegative(Int64(Int16(bitPattern: try big(UInt16.self))))
        case 0xd2: return try nonNegative(Int64(Int32(bitPattern: try big(UInt32.self))))
        case 0xd3: return try nonNegative(Int64(bitPattern: try big(UInt64.self)))
        case 0xe0...0xff: throw .integerOverflow
        default: position -= 1; throw .typeMismatch(expected: "unsigned integer", found: f)
        }
    }

    /// Reads an unsigned integer that must fit `T`.
    public mutating func readUInt<T: FixedWidthInteger & UnsignedInteger>(as _: T.Type) throws(MessagePackError) -> T {
        let v = try readUInt()
        guard let narrowed = T(exactly: v) else { throw .integerOverflow }
        return narrowed
    }

    public mutating func readInt() throws(MessagePackError) -> Int64 {
        let f = try byte()
        switch f {
        case 0x00...0x7f: return Int64(f)
        case 0xe0...0xff: return Int64(Int8(bitPattern: f))
        case 0xcc: return Int64(try big(UInt8.self))
        case 0xcd: return Int64(try big(UInt16.self))
        case 0xce: return Int64(try big(UInt32.self))
        case 0xcf:
            guard let v = Int64(exactly: try big(UInt64.self)) else { throw .integerOverflow }
            return v
        case 0xd0: return Int64(Int8(bitPattern: try big(UInt8.self)))
        case 0xd1: return Int64(Int16(bitPattern: try big(UInt16.self)))
        case 0xd2: return Int64(Int32(bitPattern: try big(UInt32.self)))
        case 0xd3: return Int64(bitPattern: try big(UInt64.self))
        default: position -= 1; throw .typeMismatch(expected: "integer", found: f)
        }
    }

    // MARK: Byte strings

    /// Reads a `bin` or `str` and returns the index range of its payload within ``bytes``.
    /// OpenDHT readers accept either kind for byte fields, so this does too.
    public mutating func readBytesRange() throws(MessagePackError) -> Range<Int> {
        let f = try byte()
        let n: Int
        switch f {
        case 0xa0...0xbf: n = Int(f & 0x1f)
        case 0xc4, 0xd9: n = Int(try big(UInt8.self))
        case 0xc5, 0xda: n = Int(try big(UInt16.self))
        case 0xc6, 0xdb: n = Int(try big(UInt32.self))
        default: position -= 1; throw .typeMismatch(expected: "bin or str", found: f)
        }
        return try take(n)
    }

    public mutating func readBinary() throws(MessagePackError) -> [UInt8] {
        Array(bytes[try readBytesRange()])
    }

    public mutating func readString() throws(MessagePackError) -> String {
        let range = try readBytesRange()
        guard let s = String(validating: bytes[range], as: UTF8.self) else { throw .invalidUTF8 }
        return s
    }

    /// Reads a `str` or `bin` key and returns its bytes as a slice of ``bytes`` (no copy), so
    /// callers can compare keys without allocating.
    public mutating func readKeyBytes() throws(MessagePackError) -> ArraySlice<UInt8> {
        bytes[try readBytesRange()]
    }

    // MARK: Whole objects

    /// Skips one complete object, however nested (within the depth limit).
    public mutating func skipValue() throws(MessagePackError) {
        try skip(depth: 0)
    }

    /// Returns the bytes of the next complete object and moves past it.
    public mutating func readRawValue() throws(MessagePackError) -> ArraySlice<UInt8> {
        let start = position
        try skipValue()
        return bytes[start..<position]
    }

    /// Decodes the next object into a tree.
    public mutating func readValue() throws(MessagePackError) -> MessagePackValue {
        try value(depth: 0)
    }

    /// Decodes exactly one object spanning the whole input.
    public static func decode(_ bytes: [UInt8], limits: MessagePackLimits = MessagePackLimits()) throws(MessagePackError) -> MessagePackValue {
        var reader = MessagePackReader(bytes, limits: limits)
        let v = try reader.readValue()
        guard reader.isAtEnd else { throw .trailingBytes(reader.remaining) }
        return v
    }

    private mutating func value(depth: Int) throws(MessagePackError) -> MessagePackValue {
        guard depth < limits.maxDepth else { throw .depthExceeded }
        let f = try peekFormat()
        switch f {
        case 0xc0: position += 1; return .nil
        case 0xc2, 0xc3: return .bool(try readBool())
        case 0x00...0x7f, 0xcc...0xcf: return .uint(try readUInt())
        case 0xe0...0xff, 0xd0...0xd3:
            let v = try readInt()
            return v >= 0 ? .uint(UInt64(v)) : .int(v)
        case 0xca: position += 1; return .float(Float(bitPattern: try big(UInt32.self)))
        case 0xcb: position += 1; return .double(Double(bitPattern: try big(UInt64.self)))
        case 0xa0...0xbf, 0xd9...0xdb: return .string(try readString())
        case 0xc4...0xc6: return .binary(try readBinary())
        case 0x90...0x9f, 0xdc, 0xdd:
            let n = try readArrayHeader()
            var items: [MessagePackValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(depth: depth + 1)) }
            return .array(items)
        case 0x80...0x8f, 0xde, 0xdf:
            let n = try readMapHeader()
            var pairs: [MessagePackPair] = []
            pairs.reserveCapacity(n)
            for _ in 0..<n {
                let k = try value(depth: depth + 1)
                pairs.append(MessagePackPair(k, try value(depth: depth + 1)))
            }
            return .map(pairs)
        case 0xc7...0xc9, 0xd4...0xd8:
            let (type, range) = try extPayload()
            return .ext(type: type, data: Array(bytes[range]))
        default:
            throw .invalidFormat(f)
        }
    }

    private mutating func skip(depth: Int) throws(MessagePackError) {
        guard depth < limits.maxDepth else { throw .depthExceeded }
        let f = try peekFormat()
        switch f {
        case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3: position += 1
        case 0xcc, 0xd0: position += 1; _ = try take(1)
        case 0xcd, 0xd1: position += 1; _ = try take(2)
        case 0xce, 0xd2, 0xca: position += 1; _ = try take(4)
        case 0xcf, 0xd3, 0xcb: position += 1; _ = try take(8)
        case 0xa0...0xbf, 0xd9...0xdb, 0xc4...0xc6: _ = try readBytesRange()
        case 0x90...0x9f, 0xdc, 0xdd:
            let n = try readArrayHeader()
            for _ in 0..<n { try skip(depth: depth + 1) }
        case 0x80...0x8f, 0xde, 0xdf:
            let n = try readMapHeader()
            for _ in 0..<(2 * n) { try skip(depth: depth + 1) }
        case 0xc7...0xc9, 0xd4...0xd8: _ = try extPayload()
        default: throw .invalidFormat(f)
        }
    }

    private mutating func extPayload() throws(MessagePackError) -> (Int8, Range<Int>) {
        let f = try byte()
        let n: Int
        switch f {
        case 0xd4: n = 1
        case 0xd5: n = 2
        case 0xd6: n = 4
        case 0xd7: n = 8
        case 0xd8: n = 16
        case 0xc7: n = Int(try big(UInt8.self))
        case 0xc8: n = Int(try big(UInt16.self))
        case 0xc9: n = Int(try big(UInt32.self))
        default: position -= 1; throw .typeMismatch(expected: "ext", found: f)
        }
        let type = Int8(bitPattern: try big(UInt8.self))
        return (type, try take(n))
    }

    // MARK: Primitives

    @inline(__always)
    private mutating func byte() throws(MessagePackError) -> UInt8 {
        guard position < bytes.count else { throw .truncated }
        defer { position += 1 }
        return bytes[position]
    }

    @inline(__always)
    private mutating func big<T: FixedWidthInteger>(_: T.Type) throws(MessagePackError) -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - position >= size else { throw .truncated }
        var v: T = 0
        for i in 0..<size { v = (v << 8) | T(bytes[position + i]) }
        position += size
        return v
    }

    private mutating func take(_ n: Int) throws(MessagePackError) -> Range<Int> {
        guard n <= limits.maxBytesLength else { throw .limitExceeded("byte string of \(n) bytes") }
        guard bytes.count - position >= n else { throw .truncated }
        defer { position += n }
        return position..<(position + n)
    }

    private func checkedCount(_ count: Int, minimumBytesEach: Int) throws(MessagePackError) -> Int {
        guard count <= limits.maxContainerCount else { throw .limitExceeded("container of \(count) entries") }
        guard count * minimumBytesEach <= remaining else { throw .truncated }
        return count
    }

    private func nonNegative(_ v: Int64) throws(MessagePackError) -> UInt64 {
        guard v >= 0 else { throw .integerOverflow }
        return UInt64(v)
    }
}
