import CZlib
import Crypto

/// A STUN message (RFC 5389): a method, a class, a 96-bit transaction id and attributes in order.
///
/// ```swift
/// var m = STUNMessage(method: .binding, class: .request)
/// m.append(.username, Array("peer:me".utf8))
/// let bytes = m.encoded(integrityKey: Array(remotePassword.utf8), fingerprint: true)
/// let parsed = try STUNMessage(parsing: bytes)
/// try parsed.checkIntegrity(key: Array(localPassword.utf8))
/// ```
public struct STUNMessage: Sendable, Equatable {
    public static let magicCookie: UInt32 = 0x2112_A442
    public static let headerLength = 20
    /// Attributes taken from one message; honest ICE and TURN messages carry about ten.
    static let maxAttributes = 32

    public struct Method: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let binding = Method(rawValue: 0x001)
        public static let allocate = Method(rawValue: 0x003)
        public static let refresh = Method(rawValue: 0x004)
        public static let send = Method(rawValue: 0x006)
        public static let data = Method(rawValue: 0x007)
        public static let createPermission = Method(rawValue: 0x008)
        public static let channelBind = Method(rawValue: 0x009)
        public static let connect = Method(rawValue: 0x00a)
        public static let connectionBind = Method(rawValue: 0x00b)
        public static let connectionAttempt = Method(rawValue: 0x00c)
    }

    public enum Class: UInt16, Sendable {
        case request = 0b00, indication = 0b01, success = 0b10, error = 0b11
    }

    public var method: Method
    public var `class`: Class
    public var transactionID: [UInt8]
    public var attributes: [STUNAttribute]
    /// The bytes this message was parsed from (empty for one built locally): integrity is
    /// checked over them.
    var raw: [UInt8] = []
    /// Offset of MESSAGE-INTEGRITY in ``raw``.
    var integrityOffset: Int?

    public init(method: Method, class: Class, transactionID: [UInt8]? = nil) {
        self.method = method
        self.class = `class`
        if let t = transactionID, t.count == 12 {
            self.transactionID = t
        } else {
            var g = SystemRandomNumberGenerator()
            self.transactionID = (0..<12).map { _ in UInt8.random(in: 0...255, using: &g) }
        }
        self.attributes = []
    }

    public static func == (a: STUNMessage, b: STUNMessage) -> Bool {
        a.method == b.method && a.class == b.class && a.transactionID == b.transactionID && a.attributes == b.attributes
    }

    public mutating func append(_ type: STUNAttribute.Kind, _ value: [UInt8]) {
        attributes.append(STUNAttribute(type: type.rawValue, value: value))
    }

    /// The first attribute of `type`.
    public func attribute(_ type: STUNAttribute.Kind) -> [UInt8]? {
        attributes.first { $0.type == type.rawValue }?.value
    }

    public func has(_ type: STUNAttribute.Kind) -> Bool { attribute(type) != nil }

    var messageType: UInt16 {
        let m = method.rawValue, c = self.class.rawValue
        return (m & 0x000f) | ((m & 0x0070) << 1) | ((m & 0x0f80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7)
    }

    /// The wire form. With `integrityKey`, MESSAGE-INTEGRITY (HMAC-SHA1) follows the attributes;
    /// with `fingerprint`, FINGERPRINT (CRC-32 xor 0x5354554e) comes last.
    public func encoded(integrityKey: [UInt8]? = nil, fingerprint: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerLength + attributes.reduce(0) { $0 + 4 + $1.value.count + 3 } + 32)
        appendBE(messageType, to: &out)
        appendBE(UInt16(0), to: &out)
        appendBE(Self.magicCookie, to: &out)
        out += transactionID
        for a in attributes where a.type != STUNAttribute.Kind.messageIntegrity.rawValue && a.type != STUNAttribute.Kind.fingerprint.rawValue {
            a.write(to: &out)
        }
        if let key = integrityKey {
            setLength(&out, out.count - Self.headerLength + 24)
            let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: out, using: SymmetricKey(data: key)))
            STUNAttribute(type: STUNAttribute.Kind.messageIntegrity.rawValue, value: mac).write(to: &out)
        }
        if fingerprint {
            setLength(&out, out.count - Self.headerLength + 8)
            let crc = Self.crc32(out) ^ 0x5354_554e
            var v: [UInt8] = []
            appendBE(crc, to: &v)
            STUNAttribute(type: STUNAttribute.Kind.fingerprint.rawValue, value: v).write(to: &out)
        }
        setLength(&out, out.count - Self.headerLength)
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    private func setLength(_ out: inout [UInt8], _ n: Int) {
        out[2] = UInt8(truncatingIfNeeded: n >> 8)
        out[3] = UInt8(truncatingIfNeeded: n)
    }
}

func appendBE<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) }
}
