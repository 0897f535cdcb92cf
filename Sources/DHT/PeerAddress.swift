/// An IPv4 or IPv6 UDP endpoint, independent of any socket library so the core stays I/O-free.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// An IP address, stored inline.
    public enum IP: Sendable, Hashable {
        /// IPv4 in host byte order (127.0.0.1 is 0x7f000001).
        case v4(UInt32)
        /// IPv6 as two big-endian halves.
        case v6(UInt64, UInt64)
    }

    public var ip: IP
    public var port: UInt16

    public init(ip: IP, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Builds an address from raw network-order bytes (4 or 16), unmapping IPv4-mapped IPv6.
    public init?<C: Collection<UInt8>>(addressBytes: C, port: UInt16) {
        let b = Array(addressBytes)
        switch b.count {
        case 4:
            self.init(ip: .v4(UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])), port: port)
        case 16:
            var hi: UInt64 = 0, lo: UInt64 = 0
            for i in 0..<8 { hi = hi << 8 | UInt64(b[i]) }
            for i in 8..<16 { lo = lo << 8 | UInt64(b[i]) }
            if hi == 0 && lo >> 32 == 0xffff {
                self.init(ip: .v4(UInt32(truncatingIfNeeded: lo)), port: port)
            } else {
                self.init(ip: .v6(hi, lo), port: port)
            }
        default:
            return nil
        }
    }

    /// Parses `a.b.c.d` or an IPv6 literal (with `::` compression).
    public init?(host: String, port: UInt16) {
        if let v4 = Self.parseIPv4(host) {
            self.init(ip: .v4(v4), port: port)
        } else if let v6 = Self.parseIPv6(host) {
            self.init(addressBytes: v6, port: port)
        } else {
            return nil
        }
    }

    /// Parses `HOST:PORT` or `[V6]:PORT`.
    public init?(hostPort: String) {
        var host = Substring(hostPort)
        guard let colon = host.lastIndex(of: ":") else { return nil }
        let portText = host[host.index(after: colon)...]
        // Digits only: `UInt16("+80")` would accept a sign.
        guard portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let port = UInt16(portText) else { return nil }
        host = host[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        self.init(host: String(host), port: port)
    }

    public var family: AddressFamily {
        if case .v4 = ip { return .inet } else { return .inet6 }
    }

    /// Network-order address bytes (4 or 16).
    public var addressBytes: [UInt8] {
        switch ip {
        case .v4(let a):
            return [UInt8(a >> 24), UInt8(truncatingIfNeeded: a >> 16), UInt8(truncatingIfNeeded: a >> 8), UInt8(truncatingIfNeeded: a)]
        case .v6(let hi, let lo):
            var out = [UInt8]()
            out.reserveCapacity(16)
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: hi >> UInt64(s))) }
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: lo >> UInt64(s))) }
            return out
        }
    }

    public var isLoopback: Bool {
        switch ip {
        case .v4(let a): return a >> 24 == 127
        case .v6(let hi, let lo): return hi == 0 && lo == 1
        }
    }

    /// Loopback, private, shared (CGNAT) and link-local ranges: many honest nodes share such a
    /// prefix (a LAN, a test machine, the simulation), so per-subnet limits do not apply to them.
    public var isLocalOrPrivate: Bool {
        switch ip {
        case .v4(let a):
            return a >> 24 == 127 || a >> 24 == 10 || a >> 20 == 0xac1 || a >> 16 == 0xc0a8
                || a >> 22 == 0b01100100_01 || a >> 16 == 0xa9fe
        case .v6(let hi, let lo):
            return (hi == 0 && lo == 1) || hi >> 57 == 0b1111_110 || hi >> 54 == 0b11_1111_1010
        }
    }

    /// The /24 (IPv4) or /64 (IPv6) around the address: what one operator typically controls.
    public var subnet: Subnet {
        switch ip {
        case .v4(let a): return Subnet(family: .inet, prefix: UInt64(a >> 8))
        case .v6(let hi, _): return Subnet(family: .inet6, prefix: hi)
        }
    }

    /// An address prefix; see ``subnet``.
    public struct Subnet: Sendable, Hashable {
        public var family: AddressFamily
        public var prefix: UInt64
    }

    /// Addresses OpenDHT refuses as sources and as learned nodes (§8.9): port 0, 0.0.0.0/8,
    /// 224.0.0.0/3, ff00::/8, fe80::/10, ::, ::ffff:0:0/96.
    public var isMartian: Bool {
        if port == 0 { return true }
        switch ip {
        case .v4(let a):
            return a >> 24 == 0 || a >> 29 == 0b111
        case .v6(let hi, let lo):
            if hi >> 56 == 0xff || hi >> 54 == 0b11_1111_1010 { return true }
            if hi == 0 && lo == 0 { return true }
            return hi == 0 && lo >> 32 == 0xffff
        }
    }

    public var hostString: String {
        switch ip {
        case .v4:
            return addressBytes.map(String.init).joined(separator: ".")
        case .v6:
            let b = addressBytes
            let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16) }
            return groups.joined(separator: ":")
        }
    }

    public var description: String {
        family == .inet ? "\(hostString):\(port)" : "[\(hostString)]:\(port)"
    }

    private static func parseIPv4(_ s: String) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard p.count <= 3, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = UInt8(p) else { return nil }
            v = v << 8 | UInt32(n)
        }
        return v
    }

    /// Eight hex groups with at most one `::`; the last two may be written as a dotted IPv4
    /// address (`::ffff:192.0.2.1`, and `::0.1.0.1`, the form the system prints for `::1:1`).
    private static func parseIPv6(_ s: String) -> [UInt8]? {
        var text = Substring(s)
        var embedded: [UInt16] = []
        if let colon = s.lastIndex(of: ":"), s[colon...].contains(".") {
            guard let v4 = parseIPv4(String(s[s.index(after: colon)...])) else { return nil }
            embedded = [UInt16(v4 >> 16), UInt16(truncatingIfNeeded: v4)]
            // Keep a `::` before it (`::1.2.3.4`); drop a single separating `:` (`1::2:1.2.3.4`).
            let before = s[..<colon]
            if before.hasSuffix(":") {
                text = s[...colon]
            } else if before.isEmpty {
                return nil
            } else {
                text = before
            }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard g.count <= 4, g.allSatisfy(\.isHexDigit), let n = UInt16(g, radix: 16) else { return nil }
                out.append(n)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count + embedded.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count - embedded.count) + tail
        }
        all += embedded
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8(truncatingIfNeeded: $0)] }
    }
}

/// An address family; one routing table and one search exist per family.
public enum AddressFamily: Sendable, Hashable, CaseIterable {
    case inet, inet6

    /// The Linux `AF_*` number OpenDHT puts in `w` lists (2 and 10, whatever our platform).
    public var wireValue: UInt64 { self == .inet ? 2 : 10 }

    public init?(wireValue: UInt64) {
        switch wireValue {
        case 2: self = .inet
        case 10: self = .inet6
        default: return nil
        }
    }
}
