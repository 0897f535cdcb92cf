@preconcurrency import Glibc
import ArgumentParser
import Foundation
import HTTPServerLimits
import Hummingbird
import Logging
import NameServer
import NameService
import NIOSSL
import PostgresNIO

/// `rafiki-nameserver`: a Jami-compatible name server (the protocol of ns.jami.net).
@main
struct NameServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafiki-nameserver",
        abstract: "Run a Jami-compatible name server: username lookups and signed registrations.",
        discussion: """
            Stores names in one SQLite file by default. With --postgres, several instances behind a \
            load balancer share one PostgreSQL database. Endpoints: GET /name/NAME, GET /addr/ID, \
            POST /name/NAME, GET /health, GET /metrics (Prometheus). Stops gracefully on SIGINT/SIGTERM.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0 picks a free one, printed on the ready line).")
    var port = 8080

    @Option(help: "SQLite database file (default: $XDG_DATA_HOME/rafiki/nameserver.sqlite).")
    var database: String?

    @Option(help: "Use PostgreSQL instead of SQLite: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require] (TLS is preferred by default and, when used, verifies the server's certificate; a Unix socket folder is given as ?host=/path).")
    var postgres: String?

    @Option(help: "Registrations one client IP may make at once (0: no limit).")
    var registrationBurst = 5

    @Option(help: "Seconds for a client IP to earn one more registration.")
    var registrationInterval = 60

    @Option(help: "Name records kept in memory (0: none). Names never change, so cached records never go stale.")
    var cache = 20_000

    @Flag(help: "Take the client IP from the last X-Forwarded-For entry (only behind a trusted proxy).")
    var trustForwardedFor = false

    @Option(help: "Open connections at most; past it a new connection replaces the one idle longest, or is closed when none is idle (capped by the open-file limit, which is raised to its maximum).")
    var maxConnections = 4096

    @Option(help: "Open connections one client IP may hold; past it its own longest-idle one is replaced (0: no per-IP bound; off with --trust-forwarded-for).")
    var maxConnectionsPerIp = 64

    @Option(help: "Seconds a connection may wait for a request to start (after opening, or after the previous answer).")
    var idleTimeout = 15.0

    @Option(help: "Seconds from a request's first byte until its head (request line and headers) must be complete.")
    var headTimeout = 10.0

    @Option(help: "Seconds from the end of a request's head until its body must be complete.")
    var bodyTimeout = 10.0

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var logger = Logger(label: "rafiki-nameserver")
        logger.logLevel = logLevel
        let storage: NameServerConfiguration.Storage
        if let postgres {
            storage = .postgres(try PostgresURL.configuration(postgres))
        } else {
            let path = database ?? Self.defaultDatabase()
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            storage = .sqlite(path: path)
        }
        for (name, seconds) in [("--idle-timeout", idleTimeout), ("--head-timeout", headTimeout), ("--body-timeout", bodyTimeout)]
        where !(seconds > 0 && seconds <= 86_400) {
            throw ValidationError("\(name) must be between 0 and 86400 seconds")
        }
        guard maxConnections > 0, maxConnectionsPerIp >= 0 else { throw ValidationError("--max-connections must be positive, --max-connections-per-ip not negative") }
        let connections = ConnectionLimits(
            maxConnections: OpenFileLimit.connections(wanted: maxConnections, logger: logger), maxConnectionsPerIP: maxConnectionsPerIp,
            idleTimeout: .seconds(idleTimeout), headTimeout: .seconds(headTimeout), bodyTimeout: .seconds(bodyTimeout))
        let configuration = NameServerConfiguration(
            host: host, port: port, storage: storage,
            rateLimit: .init(burst: registrationBurst, interval: .seconds(registrationInterval)),
            cacheCapacity: cache, trustForwardedFor: trustForwardedFor, connections: connections)
        do {
            let app = try NameServerApplication.make(configuration: configuration, logger: logger) { channel in
                let port = channel.localAddress?.port ?? 0
                // One line on stdout when ready: scripts and tests wait for it.
                print("ready http://\(configuration.host):\(port)")
                fflush(stdout)
            }
            try await app.runService()
        } catch let error as NameStoreError {
            throw ValidationError("\(error)")
        }
    }

    static func defaultDatabase() -> String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_DATA_HOME"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: env["HOME"] ?? ".").appendingPathComponent(".local/share")
        return base.appendingPathComponent("rafiki/nameserver.sqlite").path
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `postgres://user:password@host:port/database`, or a Unix socket folder with `?host=/path`.
/// `sslmode` follows libpq's names: `prefer` (the default) uses TLS when the server offers it,
/// `require` and `verify-full` insist on it, `disable` never uses it. Whenever TLS is used, the
/// server's certificate and host name are verified against the system's trust store (stricter
/// than libpq's `prefer` and `require`, which do not verify).
enum PostgresURL {
    static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql",
              let user = url.user, !user.isEmpty
        else { throw ValidationError("--postgres must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE") }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        if let socketFolder = url.queryItems?.first(where: { $0.name == "host" })?.value {
            let port = url.port ?? 5432
            return .init(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: url.password,
                         database: database.isEmpty ? nil : database)
        }
        guard let host = url.host, !host.isEmpty else { throw ValidationError("--postgres needs a host") }
        let tls: PostgresClient.Configuration.TLS
        switch url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw ValidationError("unknown sslmode \(other) (disable, prefer, require)")
        }
        return .init(host: host, port: url.port ?? 5432, username: user, password: url.password,
                     database: database.isEmpty ? nil : database, tls: tls)
    }
}
