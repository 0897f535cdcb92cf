/// Appends msgpack objects to a byte buffer with the encodings msgpack-c chooses: the smallest
/// integer format, non-negative integers as unsigned, `fixstr`/`str8`/`str16`/`str32` by length,
/// `bin8`/`bin16`/`bin32` for byte strings, and map entries in the order they are written.
///
/// Byte-identical output matters: OpenDHT verifies signatures over a re-packed value body.
public struct MessagePackWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func writeNil() { bytes.append(0xc0) }

    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 0xc3 : 0xc2) }

    public mutating func writeUInt(_ value: UInt64) {
        switch value {
        case 0...0x7f:
            bytes.append(UInt8(value))
        case 0x80...0xff:
            bytes.append(0xcc); bytes.append(UInt8(value))
        case 0x100...0xffff:
            bytes.append(0xcd); appendBigEndian(UInt16(value))
        case 0x1_0000...0xffff_ffff:
            bytes.append(0xce); appendBigEndian(UInt32(value))
        default:
            bytes.append(0xcf); appendBigEndian(value)
        }
    }

    public mutating func writeInt(_ value: Int64) {
        if value >= 0 { writeUInt(UInt64(value)); return }
        switch value {
        case -32 ..< 0:
            bytes.append(UInt8(bitPattern: Int8(value)))
        case -128 ..< -32:
            bytes.append(0xd0); bytes.append(UInt8(bitPattern: Int8(value)))
        case -32768 ..< -128:
            bytes.append(0xd1); appendBigEndian(UInt16(bitPattern: Int16(value)))
        case -2_147_483_648 ..< -32768:
            bytes.append(0xd2); appendBigEndian(UInt32(bitPattern: Int32(value)))
        default:
            bytes.append(0xd3); appendBigEndian(UInt64(bitPattern: value))
        }
    }

    public mutating func writeFloat(_ value: Float) {
        bytes.append(0xca); appendBigEndian(value.bitPattern)
    }

    public mutating func writeDouble(_ value: Double) {
        bytes.append(0xcb); appendBigEndian(value.bitPattern)
    }

    public mutating func writeString(_ value: String) {
        var value = value
        value.withUTF8 { writeStringBytes($0) }
    }

    /// Writes UTF-8 bytes as a msgpack `str`.
    public mutating func writeStringBytes<C: Collection<UInt8>>(_ utf8: C) {
        let n = utf8.count
        switch n {
        case 0...31: bytes.append(0xa0 | UInt8(n))
        case 32...0xff: bytes.append(0xd9); bytes.append(UInt8(n))
        case 0x100...0xffff: bytes.append(0xda); appendBigEndian(UInt16(n))
        default: bytes.append(0xdb); appendBigEndian(UInt32(truncatingIfNeeded: n))
        }
        bytes.append(contentsOf: utf8)
    }

    public mutating func writeBinary<C: Collection<UInt8>>(_ data: C) {
        writeBinaryHeader(data.count)
        bytes.append(contentsOf: data)
    }

    /// Writes the header of a `bin` whose `count` payload bytes the caller appends next.
    public mutating func writeBinaryHeader(_ count: Int) {
        switch count {
        case 0...0xff: bytes.append(0xc4); bytes.append(UInt8(count))
        case 0x100...0xffff: bytes.append(0xc5); appendBigEndian(UInt16(count))
        default: bytes.append(0xc6); appendBigEndian(UInt32(truncatingIfNeeded: count))
        }
    }

    public mutating func writeArrayHeader(_ count: Int) {
        switch count {
        case 0...15: bytes.append(0x90 | UInt8(count))
        case 16...0xffff: bytes.append(0xdc); appendBigEndian(UInt16(count))
        default: bytes.append(0xdd); appendBigEndian(UInt32(truncatingIfNeeded: count))
        }
    }

    public mutating func writeMapHeader(_ count: Int) {
        switch count {
        case 0...15: bytes.append(0x80 | UInt8(count))
        case 16...0xffff: bytes.append(0xde); appendBigEndian(UInt16(count))
        default: bytes.append(0xdf); appendBigEndian(UInt32(truncatingIfNeeded: count))
        }
    }

    /// Appends bytes that already hold one or more complete msgpack objects.
    public mutating func writeRaw<C: Collection<UInt8>>(_ encoded: C) {
        bytes.append(contentsOf: encoded)
    }

    /// Lets `fill` append encoded bytes directly, avoiding an intermediate array on hot paths.
    public mutating func appendRaw(_ fill: (inout [UInt8]) -> Void) {
        fill(&bytes)
    }

    public mutating func write(_ value: MessagePackValue) {
        switch value {
        case .nil: writeNil()
        case .bool(let b): writeBool(b)
        case .int(let i): writeInt(i)
        case .uint(let u): writeUInt(u)
        case .float(let f): writeFloat(f)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .binary(let b): writeBinary(b)
        case .array(let items):
            writeArrayHeader(items.count)
            for item in items { write(item) }
        case .map(let pairs):
            writeMapHeader(pairs.count)
            for pair in pairs { write(pair.key); write(pair.value) }
        case .ext(let type, let data):
            writeExtHeader(type: type, count: data.count)
            bytes.append(contentsOf: data)
        }
    }

    private mutating func writeExtHeader(type: Int8, count: Int) {
        switch count {
        case 1: bytes.append(0xd4)
        case 2: bytes.append(0xd5)
        case 4: bytes.append(0xd6)
        case 8: bytes.append(0xd7)
        case 16: bytes.append(0xd8)
        case 0...0xff: bytes.append(0xc7); bytes.append(UInt8(count))
        case 0x100...0xffff: bytes.append(0xc8); appendBigEndian(UInt16(count))
        default: bytes.append(0xc9); appendBigEndian(UInt32(truncatingIfNeeded: count))
        }
        bytes.append(UInt8(bitPattern: type))
    }

    @inline(__always)
    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var be = value.bigEndian
        withUnsafeBytes(of: &be) { bytes.append(contentsOf: $0) }
    }
}

extension MessagePackValue {
    /// The msgpack encoding of this value.
    public var encoded: [UInt8] {
        var writer = MessagePackWriter()
        writer.write(self)
        return writer.bytes
    }
}
