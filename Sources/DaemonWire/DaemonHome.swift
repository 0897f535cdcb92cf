#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
