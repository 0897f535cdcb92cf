import Crypto

/// A 160-bit DHT key or node id, compared by XOR distance as in Kademlia.
///
/// Stored as three big-endian words (20 bytes inline, no heap allocation) so routing tables and
/// the simulation stay small.
public struct InfoHash: Sendable, Hashable, Comparable, CustomStringConvertible {
    @usableFromInline var w0: UInt64
    @usableFromInline var w1: UInt64
    @usableFromInline var w2: UInt32

    public static let byteCount = 20
    public static let zero = InfoHash(w0: 0, w1: 0, w2: 0)

    @inlinable
    init(w0: UInt64, w1: UInt64, w2: UInt32) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2
    }

    /// The hash made of exactly 20 bytes; `nil` for any other length.
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == 20 else { return nil }
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt32 = 0
        for (i, byte) in bytes.enumerated() {
            switch i {
            case 0..<8: a = a << 8 | UInt64(byte)
            case 8..<16: b = b << 8 | UInt64(byte)
            default: c = c << 8 | UInt32(byte)
            }
        }
        self.init(w0: a, w1: b, w2: c)
    }

    /// Parses 40 hexadecimal digits.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 40 else { return nil }
        var out = [UInt8](repeating: 0, count: 20)
        for i in 0..<20 {
            guard let hi = Self.nibble(utf8[2 * i]), let lo = Self.nibble(utf8[2 * i + 1]) else { return nil }
            out[i] = hi << 4 | lo
        }
        self.init(bytes: out)
    }

    /// SHA-1 of `data`, which is how OpenDHT's `InfoHash::get` turns a key into a hash.
    public static func hashing(_ data: [UInt8]) -> InfoHash {
        InfoHash(bytes: Array(Insecure.SHA1.hash(data: data)))!  // safe: SHA-1 digests are 20 bytes
    }

    /// SHA-1 of the UTF-8 bytes of `key`.
    public static func hashing(key: String) -> InfoHash { hashing(Array(key.utf8)) }

    public static func random<G: RandomNumberGenerator>(using rng: inout G) -> InfoHash {
        InfoHash(w0: rng.next(), w1: rng.next(), w2: UInt32(truncatingIfNeeded: rng.next()))
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(20)
        appendBytes(to: &out)
        return out
    }

    /// Appends the 20 bytes to a buffer without an intermediate array.
    @inlinable
    public func appendBytes(to out: inout [UInt8]) {
        for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w0 >> UInt64(s))) }
        for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w1 >> UInt64(s))) }
        for s in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w2 >> UInt32(s))) }
    }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var chars = [UInt8]()
        chars.reserveCapacity(40)
        for b in bytes {
            chars.append(digits[Int(b >> 4)])
            chars.append(digits[Int(b & 0xf)])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    public var description: String { hex }

    public var isZero: Bool { self == .zero }

    /// XOR distance to `other`.
    @inlinable
    public func distance(to other: InfoHash) -> InfoHash {
        InfoHash(w0: w0 ^ other.w0, w1: w1 ^ other.w1, w2: w2 ^ other.w2)
    }

    /// Whether `a` is strictly closer to `self` than `b` is.
    @inlinable
    public func isCloser(_ a: InfoHash, than b: InfoHash) -> Bool {
        distance(to: a) < distance(to: b)
    }

    /// Number of leading bits shared with `other` (160 when equal).
    public func commonPrefixLength(with other: InfoHash) -> Int {
        let d = distance(to: other)
        if d.w0 != 0 { return d.w0.leadingZeroBitCount }
        if d.w1 != 0 { return 64 + d.w1.leadingZeroBitCount }
        if d.w2 != 0 { return 128 + d.w2.leadingZeroBitCount }
        return 160
    }

    /// Bit `index` counting from the most significant bit (0...159).
    public func bit(_ index: Int) -> Bool {
        switch index {
        case 0..<64: return (w0 >> UInt64(63 - index)) & 1 == 1
        case 64..<128: return (w1 >> UInt64(127 - index)) & 1 == 1
        default: return (w2 >> UInt32(159 - index)) & 1 == 1
        }
    }

    /// A copy with bit `index` set to `value`.
    public func settingBit(_ index: Int, to value: Bool) -> InfoHash {
        var h = self
        switch index {
        case 0..<64:
            let m = UInt64(1) << UInt64(63 - index)
            h.w0 = value ? h.w0 | m : h.w0 & ~m
        case 64..<128:
            let m = UInt64(1) << UInt64(127 - index)
            h.w1 = value ? h.w1 | m : h.w1 & ~m
        default:
            let m = UInt32(1) << UInt32(159 - index)
            h.w2 = value ? h.w2 | m : h.w2 & ~m
        }
        return h
    }

    @inlinable
    public static func < (lhs: InfoHash, rhs: InfoHash) -> Bool {
        if lhs.w0 != rhs.w0 { return lhs.w0 < rhs.w0 }
        if lhs.w1 != rhs.w1 { return lhs.w1 < rhs.w1 }
        return lhs.w2 < rhs.w2
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
