import NIOCore

/// One ICE candidate as Jami writes it in `ice_msg` (RFC 5245 / 6544 syntax without the
/// `a=candidate:` prefix): `<foundation> <component> TCP <priority> <ip> <port> typ <type>
/// tcptype <active|passive|so>`. jamid reads lines with `sscanf`, so there is no `raddr` /
/// `rport` and `tcptype` comes right after the type.
public struct ICECandidate: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case host, srflx, prflx, relay

        /// RFC 8445 §5.1.2.2's recommended type preferences.
        public var typePreference: UInt32 {
            switch self {
            case .host: 126
            case .prflx: 110
            case .srflx: 100
            case .relay: 0
            }
        }
    }

    public enum TCPType: String, Sendable {
        case active, passive, so
    }

    public var foundation: String
    public var component: Int
    public var priority: UInt32
    public var address: SocketAddress
    public var kind: Kind
    /// Always set: UDP candidates are not kept (Jami's P2P sockets are ICE-TCP only).
    public var tcpType: TCPType

    public init(foundation: String, component: Int = 1, priority: UInt32, address: SocketAddress, kind: Kind, tcpType: TCPType) {
        self.foundation = foundation
        self.component = component
        self.priority = priority
        self.address = address
        self.kind = kind
        self.tcpType = tcpType
    }

    /// A candidate with its RFC 6544 §4.2 priority: type preference, then direction (active
    /// over passive over simultaneous-open for host candidates), then `otherPreference` (which
    /// interface), then the component.
    public init(kind: Kind, tcpType: TCPType, address: SocketAddress, otherPreference: UInt32 = 8191, component: Int = 1) {
        let direction: UInt32 = switch (kind, tcpType) {
        case (.host, .active), (.relay, .active), (.prflx, .passive), (.srflx, .passive): 6
        case (.host, .passive), (.relay, .passive), (.prflx, .so), (.srflx, .so): 4
        default: 2
        }
        let local = direction << 13 | min(otherPreference, 8191)
        let priority = kind.typePreference << 24 | local << 8 | UInt32(256 - component)
        // The foundation groups candidates of the same type, base and transport (RFC 8445 §5.1.1.3).
        let base = address.ipAddress ?? ""
        let foundation = String(kind.rawValue.prefix(1).uppercased()) + String(UInt32(truncatingIfNeeded: base.hashValueStable), radix: 16)
        self.init(foundation: foundation, component: component, priority: priority, address: address, kind: kind, tcpType: tcpType)
    }

    /// The line for `ice_msg`.
    public var line: String {
        "\(foundation) \(component) TCP \(priority) \(address.ipAddress ?? "") \(address.port ?? 0) typ \(kind.rawValue) tcptype \(tcpType.rawValue)"
    }

    public var description: String { line }

    /// Why a candidate line was not taken.
    public enum ParseError: Error, Sendable, Equatable {
        case fieldCount(Int)
        case field(String)
        case notTCP
    }

    /// Parses one line the way jamid does (whitespace-separated, field widths bounded). UDP
    /// candidates, and TCP ones without `tcptype`, are refused as jamid drops them.
    public init(line: Substring) throws(ParseError) {
        let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard f.count >= 8, f.count <= 16 else { throw .fieldCount(f.count) }
        guard f[0].utf8.count <= 31, f[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" }) else { throw .field("foundation") }
        guard let component = Int(f[1]), (1...256).contains(component) else { throw .field("component") }
        guard f[2].lowercased() == "tcp" else { throw .notTCP }
        guard let priority = UInt32(f[3]) else { throw .field("priority") }
        guard f[4].utf8.count <= 79, let port = Int(f[5]), (0...65_535).contains(port),
              let address = try? SocketAddress(ipAddress: String(f[4]), port: port) else { throw .field("address") }
        guard f[6] == "typ", let kind = Kind(rawValue: String(f[7])) else { throw .field("typ") }
        guard f.count >= 10, f[8] == "tcptype", let tcpType = TCPType(rawValue: String(f[9])) else { throw .field("tcptype") }
        self.init(foundation: String(f[0]), component: component, priority: priority, address: address, kind: kind, tcpType: tcpType)
    }
}

extension String {
    /// FNV-1a of the UTF-8 bytes: stable across runs, unlike `hashValue`.
    var hashValueStable: UInt64 {
        utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
