import Foundation
import NIOCore
import NameService

/// `config.json` in the daemon's home: everything a user may want to change, in one file. Missing
/// keys take the defaults, so an empty `{}` (or no file) is a working configuration.
public struct DaemonConfiguration: Codable, Sendable, Equatable {
    /// DHT nodes to join through, `host:port`. Jami's public bootstrap by default.
    public var bootstrap: [String] = ["bootstrap.jami.net:4222"]
    /// Name server for usernames.
    public var nameServer: String = "https://ns.jami.net"
    /// Local address the DHT nodes bind (one per account); port 0 picks a free one.
    public var dhtHost: String = "0.0.0.0"
    public var dhtPort: Int = 0
    /// The local API: loopback only unless changed, or a Unix socket when `apiSocket` is set.
    public var apiHost: String = "127.0.0.1"
    public var apiPort: Int = 7310
    public var apiSocket: String?
    /// Origins (`scheme://host[:port]`) of web pages allowed to call the API (our web client);
    /// requests from any other page are refused.
    public var apiOrigins: [String] = []
    /// Pending contact requests kept per account; past it, requests from strangers are dropped.
    public var pendingRequestLimit: Int = 500
    /// Value lifetimes (ms by type id) for a private test network; never set on the public one.
    public var dhtLifetimeOverrides: [String: Int64]?
    /// Local IP addresses offered to peers for direct connections; unset: every interface's
    /// address except loopback and link-local ones.
    public var peerAddresses: [String]?
    /// Whether devices of accounts that are not contacts may open connections to us (banned
    /// accounts never may). Jami's default: true.
    public var peerConnectionsFromStrangers: Bool = true
    /// A TURN server (`host:port`, TCP) whose relay is offered to peers when no direct path
    /// exists; unset: none. Jami's public one is `turn.jami.net:3478` with `ring`/`ring`.
    public var turnServer: String?
    public var turnUsername: String = "ring"
    public var turnPassword: String = "ring"
    /// Files others offer up to this many bytes are downloaded as soon as they arrive; larger
    /// ones on request (`rafiki file get`). 0: never automatically.
    public var autoDownloadLimit: Int64 = 20 << 20
    /// Seconds a file source may send nothing before the next one is tried.
    public var transferIdleTimeout: Int = 30
    /// Bytes per second each file we serve is sent at, at most; 0: no limit.
    public var uploadRateLimit: Int64 = 0

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DaemonConfiguration()
        bootstrap = try c.decodeIfPresent([String].self, forKey: .bootstrap) ?? d.bootstrap
        nameServer = try c.decodeIfPresent(String.self, forKey: .nameServer) ?? d.nameServer
        dhtHost = try c.decodeIfPresent(String.self, forKey: .dhtHost) ?? d.dhtHost
        dhtPort = try c.decodeIfPresent(Int.self, forKey: .dhtPort) ?? d.dhtPort
        apiHost = try c.decodeIfPresent(String.self, forKey: .apiHost) ?? d.apiHost
        apiPort = try c.decodeIfPresent(Int.self, forKey: .apiPort) ?? d.apiPort
        apiSocket = try c.decodeIfPresent(String.self, forKey: .apiSocket)
        apiOrigins = try c.decodeIfPresent([String].self, forKey: .apiOrigins) ?? d.apiOrigins
        pendingRequestLimit = try c.decodeIfPresent(Int.self, forKey: .pendingRequestLimit) ?? d.pendingRequestLimit
        dhtLifetimeOverrides = try c.decodeIfPresent([String: Int64].self, forKey: .dhtLifetimeOverrides)
        peerAddresses = try c.decodeIfPresent([String].self, forKey: .peerAddresses)
        peerConnectionsFromStrangers = try c.decodeIfPresent(Bool.self, forKey: .peerConnectionsFromStrangers) ?? d.peerConnectionsFromStrangers
        turnServer = try c.decodeIfPresent(String.self, forKey: .turnServer)
        turnUsername = try c.decodeIfPresent(String.self, forKey: .turnUsername) ?? d.turnUsername
        turnPassword = try c.decodeIfPresent(String.self, forKey: .turnPassword) ?? d.turnPassword
        autoDownloadLimit = try c.decodeIfPresent(Int64.self, forKey: .autoDownloadLimit) ?? d.autoDownloadLimit
        transferIdleTimeout = try c.decodeIfPresent(Int.self, forKey: .transferIdleTimeout) ?? d.transferIdleTimeout
        uploadRateLimit = try c.decodeIfPresent(Int64.self, forKey: .uploadRateLimit) ?? d.uploadRateLimit
    }

    /// Every address and port in here, checked before anything binds or connects: the name
    /// server URL, the bootstrap entries, the DHT and API hosts and ports. `rafikid` calls it
    /// once the command-line options are applied, so a bad value stops it with the reason
    /// instead of reaching the socket layer.
    public func validate() throws(DaemonError) {
        do { _ = try ServerURL(nameServer) } catch { throw .invalid("nameServer '\(nameServer.prefix(80))': \(error.reason)") }
        if let (entry, error) = BootstrapResolver.invalidEntries(bootstrap).first {
            throw .invalid("bootstrap entry '\(entry.prefix(80))': \(error.reason)")
        }
        for (name, host) in [("dhtHost", dhtHost), ("apiHost", apiHost)] {
            do { _ = try ServerHost(host) } catch { throw .invalid("\(name) '\(host.prefix(80))': \(error.reason)") }
        }
        for (name, port) in [("dhtPort", dhtPort), ("apiPort", apiPort)] where !(0...65535).contains(port) {
            throw .invalid("\(name) \(port) is out of range (0-65535; 0 picks a free port)")
        }
        for address in peerAddresses ?? [] where (try? SocketAddress(ipAddress: address, port: 0)) == nil {
            throw .invalid("peerAddresses entry '\(address.prefix(80))' is not an IP address")
        }
        if let turnServer {
            do { _ = try ServerEndpoint(turnServer) } catch { throw .invalid("turnServer '\(turnServer.prefix(80))': \(error.reason)") }
        }
        for (name, value) in [("turnUsername", turnUsername), ("turnPassword", turnPassword)]
        where value.utf8.count > 513 || value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .invalid("\(name) must be at most 513 bytes without control characters")
        }
        guard pendingRequestLimit >= 0 else { throw .invalid("pendingRequestLimit must not be negative") }
    }

    /// Reads `config.json`; a missing file gives the defaults, a broken one an error naming it.
    public static func load(from url: URL) throws(DaemonError) -> DaemonConfiguration {
        guard let data = FileManager.default.contents(atPath: url.path) else { return DaemonConfiguration() }
        do {
            return try JSONDecoder().decode(DaemonConfiguration.self, from: data)
        } catch {
            throw .invalid("\(url.path): \(error)")
        }
    }
}
