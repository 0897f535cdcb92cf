import DHT
import Glibc

/// The account's place on the DHT, kept across restarts: its node id and, unless a fixed
/// `dhtPort` is configured, its UDP port. Other nodes keep our previous run in their routing
/// tables (and in their searches) for minutes; with the same id and port those entries are us,
/// so neither our lookups nor theirs (a contact's request put to our inbox) wait about 7 s for
/// a dead node to time out after a restart.
extension AccountRuntime {
    static let nodeIdSetting = "dht.nodeId"
    static let nodePortSetting = "dht.port"

    /// The saved id (made now and saved the first time), and the saved port if it is free now.
    func savedNodeAddress() -> (id: InfoHash, port: Int?) {
        var saved: (id: [UInt8]?, port: [UInt8]?) = (nil, nil)
        do {
            saved = (try database.setting(Self.nodeIdSetting), try database.setting(Self.nodePortSetting))
        } catch {
            logger.warning("cannot read the DHT node address of the last run; joining as a new node", metadata: ["error": "\(error)"])
        }
        let port = saved.port.flatMap { b in b.count == 2 ? Int(b[0]) << 8 | Int(b[1]) : nil }
        if let bytes = saved.id, let id = InfoHash(bytes: bytes) {
            return (id, port.flatMap { $0 > 0 && Self.udpPortIsFree(host: settings.dhtHost, port: $0) ? $0 : nil })
        }
        var rng = SystemRandomNumberGenerator()
        return (InfoHash.random(using: &rng), nil)
    }

    func saveNodeAddress(id: InfoHash, port: Int) {
        do {
            try database.setSetting(Self.nodeIdSetting, id.bytes)
            try database.setSetting(Self.nodePortSetting, [UInt8(truncatingIfNeeded: port >> 8), UInt8(truncatingIfNeeded: port)])
        } catch {
            logger.warning("could not keep the DHT node address; a restart will rejoin more slowly", metadata: ["error": "\(error)"])
        }
    }

    /// Whether no socket holds UDP `port` on `host` (an IP literal): a bind without SO_REUSEADDR
    /// fails when any does. The DHT socket itself sets SO_REUSEADDR, which would let it share a
    /// port another program took since our last run.
    static func udpPortIsFree(host: String, port: Int) -> Bool {
        guard let port = UInt16(exactly: port) else { return false }
        var v4 = sockaddr_in(), v6 = sockaddr_in6()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            return withUnsafePointer(to: &v4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { canBind($0, MemoryLayout<sockaddr_in>.size, AF_INET) } }
        }
        if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            return withUnsafePointer(to: &v6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { canBind($0, MemoryLayout<sockaddr_in6>.size, AF_INET6) } }
        }
        return false
    }

    private static func canBind(_ address: UnsafePointer<sockaddr>, _ length: Int, _ family: Int32) -> Bool {
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return bind(fd, address, socklen_t(length)) == 0
    }
}
