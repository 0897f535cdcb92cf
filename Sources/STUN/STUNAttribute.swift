import NIOCore

/// One attribute: type and value (the padding is not kept).
public struct STUNAttribute: Sendable, Equatable {
    public var type: UInt16
    public var value: [UInt8]

    public init(type: UInt16, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    public struct Kind: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let mappedAddress = Kind(rawValue: 0x0001)
        public static let username = Kind(rawValue: 0x0006)
        public static let messageIntegrity = Kind(rawValue: 0x0008)
        public static let errorCode = Kind(rawValue: 0x0009)
        public static let unknownAttributes = Kind(rawValue: 0x000a)
        public static let channelNumber = Kind(rawValue: 0x000c)
        public static let lifetime = Kind(rawValue: 0x000d)
        public static let xorPeerAddress = Kind(rawValue: 0x0012)
        public static let data = Kind(rawValue: 0x0013)
        public static let realm = Kind(rawValue: 0x0014)
        public static let nonce = Kind(rawValue: 0x0015)
        public static let xorRelayedAddress = Kind(rawValue: 0x0016)
        public static let requestedTransport = Kind(rawValue: 0x0019)
        public static let xorMappedAddress = Kind(rawValue: 0x0020)
        public static let priority = Kind(rawValue: 0x0024)
        public static let useCandidate = Kind(rawValue: 0x0025)
        public static let connectionID = Kind(rawValue: 0x002a)
        public static let software = Kind(rawValue: 0x8022)
        public static let fingerprint = Kind(rawValue: 0x8028)
        public static let iceControlled = Kind(rawValue: 0x8029)
        public static let iceControlling = Kind(rawValue: 0x802a)
    }

    func write(to out: inout [UInt8]) {
        appendBE(type, to: &out)
        appendBE(UInt16(value.count), to: &out)
        out += value
        out += repeatElement(0, count: (4 - value.count % 4) % 4)
    }
}

/// Typed values of the attributes ICE and TURN use.
extension STUNMessage {
    /// XOR-MAPPED-ADDRESS (or XOR-PEER-/XOR-RELAYED-ADDRESS) as an address.
    public func xorAddress(_ kind: STUNAttribute.Kind = .xorMappedAddress) throws(STUNError) -> SocketAddress? {
        guard let v = attribute(kind) else { return nil }
        guard v.count >= 4, v[0] == 0 else { throw .badAddress }
        let port = (UInt16(v[2]) << 8 | UInt16(v[3])) ^ 0x2112
        var mask: [UInt8] = []
        appendBE(Self.magicCookie, to: &mask)
        let ip: [UInt8]
        switch v[1] {
        case 1:
            guard v.count == 8 else { throw .badAddress }
            ip = zip(v[4..<8], mask).map { $0 ^ $1 }
        case 2:
            guard v.count == 20 else { throw .badAddress }
            ip = zip(v[4..<20], mask + transactionID).map { $0 ^ $1 }
        default: throw .badAddress
        }
        return try? SocketAddress(packedIPAddress: ByteBuffer(bytes: ip), port: Int(port))
    }

    /// Appends an XOR-encoded address attribute.
    public mutating func appendXORAddress(_ kind: STUNAttribute.Kind = .xorMappedAddress, _ address: SocketAddress) {
        guard let ip = address.packedIP, let port = address.port else { return }
        var mask: [UInt8] = []
        appendBE(Self.magicCookie, to: &mask)
        mask += transactionID
        var v: [UInt8] = [0, ip.count == 4 ? 1 : 2]
        appendBE(UInt16(port) ^ 0x2112, to: &v)
        v += zip(ip, mask).map { $0 ^ $1 }
        append(kind, v)
    }

    /// ERROR-CODE as (code, reason).
    public var errorCode: (code: Int, reason: String)? {
        guard let v = attribute(.errorCode), v.count >= 4 else { return nil }
        return (Int(v[2] & 0x7) * 100 + Int(v[3]), String(decoding: v[4...], as: UTF8.self))
    }

    public mutating func appendErrorCode(_ code: Int, _ reason: String) {
        append(.errorCode, [0, 0, UInt8(code / 100), UInt8(code % 100)] + Array(reason.utf8))
    }

    /// A 32-bit attribute (PRIORITY, LIFETIME, CONNECTION-ID).
    public func uint32(_ kind: STUNAttribute.Kind) -> UInt32? {
        guard let v = attribute(kind), v.count == 4 else { return nil }
        return v.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func appendUInt32(_ kind: STUNAttribute.Kind, _ value: UInt32) {
        var v: [UInt8] = []
        appendBE(value, to: &v)
        append(kind, v)
    }

    /// A 64-bit attribute (ICE-CONTROLLING, ICE-CONTROLLED tie-breakers).
    public func uint64(_ kind: STUNAttribute.Kind) -> UInt64? {
        guard let v = attribute(kind), v.count == 8 else { return nil }
        return v.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func appendUInt64(_ kind: STUNAttribute.Kind, _ value: UInt64) {
        var v: [UInt8] = []
        appendBE(value, to: &v)
        append(kind, v)
    }
}

extension SocketAddress {
    /// The IP address in network byte order (4 or 16 bytes), nil for Unix sockets.
    public var packedIP: [UInt8]? {
        switch self {
        case .v4(let a): withUnsafeBytes(of: a.address.sin_addr) { Array($0) }
        case .v6(let a): withUnsafeBytes(of: a.address.sin6_addr) { Array($0) }
        case .unixDomainSocket: nil
        }
    }
}
