import DHT
import DHTTransport
import Glibc
import Logging

/// Account nodes on real UDP sockets. Unless a fixed `dhtPort` is configured, a node takes the
/// port of its last run again when it is free: other nodes keep our previous run in their
/// routing tables (and in their searches) for minutes; with the same id and port those entries
/// are us, so neither our lookups nor theirs (a contact's request put to our inbox) wait about
/// 7 s for a dead node to time out after a restart.
public struct UDPNodeFactory: DHTNodeFactory {
    public var host: String
    /// The configured port; 0 for any.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public func startNode(_ config: DHTConfig, preferredPort: Int?, logger: Logger) async throws -> any DHTNodeProtocol {
        var configuration = DHTNode.Configuration(bindHost: host, port: port)
        configuration.logger = logger
        configuration.dht = config
        if port == 0, let preferredPort, preferredPort > 0, Self.udpPortIsFree(host: host, port: preferredPort) { configuration.port = preferredPort }
        do {
            return try await DHTNode.start(configuration)
        } catch where configuration.port != port {
            // Taken between the check and the bind.
            logger.info("the DHT port of the last run is taken; using another", metadata: ["port": "\(configuration.port)"])
            configuration.port = port
            return try await DHTNode.start(configuration)
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
