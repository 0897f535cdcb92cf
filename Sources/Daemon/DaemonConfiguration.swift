import Foundation

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

/// Where the daemon keeps things: `$RAFIKI_HOME`, else `$XDG_DATA_HOME/rafiki` (normally
/// `~/.local/share/rafiki`), holding `accounts/`, `config.json`, `api-token` (0600) and, while the
/// daemon runs, `api.json` (where it listens).
public struct DaemonHome: Sendable {
    public let root: URL

    public init(root: URL? = nil) {
        self.root = root ?? DaemonHome.defaultRoot()
    }

    public static func defaultRoot() -> URL {
        let env = ProcessInfo.processInfo.environment
        if let home = env["RAFIKI_HOME"], !home.isEmpty { return URL(fileURLWithPath: home) }
        let base = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((env["HOME"] ?? "/tmp") + "/.local/share")
        return URL(fileURLWithPath: base).appendingPathComponent("rafiki")
    }

    public var accounts: URL { root.appendingPathComponent("accounts") }
    public var configFile: URL { root.appendingPathComponent("config.json") }
    public var tokenFile: URL { root.appendingPathComponent("api-token") }
    public var endpointFile: URL { root.appendingPathComponent("api.json") }
}

/// What `api.json` says: how to reach the running daemon.
public struct APIEndpoint: Codable, Sendable, Equatable {
    /// `http://host:port` or nil when on a Unix socket.
    public var url: String?
    public var socket: String?
    public var pid: Int32

    public init(url: String?, socket: String?, pid: Int32) {
        (self.url, self.socket, self.pid) = (url, socket, pid)
    }
}
