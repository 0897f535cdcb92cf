import Crypto

/// A public key's SHA-1 id, as GnuTLS and OpenDHT compute it: the digest of the whole DER
/// SubjectPublicKeyInfo (not RFC 5280's key-bits method). An account's id is its account key's
/// id; a device's short id is its device key's id.
public struct PublicKeyID: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// 20 bytes.
    public let bytes: [UInt8]

    public init(spki: some Sequence<UInt8>) {
        bytes = Array(Insecure.SHA1.hash(data: Array(spki)))
    }

    /// Parses 40 hex characters (either case).
    public init?(hex: some StringProtocol) {
        guard let b = Hex.decode(hex), b.count == 20 else { return nil }
        bytes = b
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 20 else { return nil }
        self.bytes = bytes
    }

    /// 40 lower-case hex characters: the form Jami shows and puts in certificates.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public static func < (a: Self, b: Self) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

/// A device's long id (`DeviceId`, "PkId"): SHA-256 of the device key's DER SubjectPublicKeyInfo.
public struct DeviceLongID: Sendable, Hashable, CustomStringConvertible {
    /// 32 bytes.
    public let bytes: [UInt8]

    public init(spki: some Sequence<UInt8>) {
        bytes = Array(SHA256.hash(data: Array(spki)))
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Parses 64 hex characters (either case).
    public init?(hex: some StringProtocol) {
        guard let b = Hex.decode(hex), b.count == 32 else { return nil }
        bytes = b
    }

    /// 64 lower-case hex characters.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }
}

/// Lower-case hex without separators.
public enum Hex {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Either case; nil for an odd length or a non-hex character.
    public static func decode(_ s: some StringProtocol) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
