import HTTPServerLimits
import Hummingbird
import HummingbirdCore
import Logging
import NameService
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// Everything an operator chooses about a name server.
public struct NameServerConfiguration: Sendable {
    public enum Storage: Sendable {
        /// One SQLite file: the default, so one command runs a server.
        case sqlite(path: String)
        /// A shared PostgreSQL database, for several instances behind a load balancer.
        case postgres(PostgresClient.Configuration)
    }

    public var host: String
    public var port: Int
    public var storage: Storage
    public var rateLimit: RegistrationRateLimiter.Policy
    /// Records kept in memory (0 disables the cache).
    public var cacheCapacity: Int
    public var trustForwardedFor: Bool
    /// Deadlines and the connection bound; the per-IP share is off with `trustForwardedFor`,
    /// where every connection comes from the proxy.
    public var connections: ConnectionLimits

    public init(host: String = "127.0.0.1", port: Int = 8080, storage: Storage, rateLimit: RegistrationRateLimiter.Policy = .init(),
                cacheCapacity: Int = 20_000, trustForwardedFor: Bool = false, connections: ConnectionLimits = .init()) {
        self.host = host
        self.port = port
        self.storage = storage
        self.rateLimit = rateLimit
        self.cacheCapacity = cacheCapacity
        self.trustForwardedFor = trustForwardedFor
        self.connections = connections
    }
}

/// Builds the name server: a Hummingbird application over the chosen store. Run it with
/// `runService()` (graceful shutdown on SIGINT/SIGTERM) or inside a `ServiceGroup`; the
/// PostgreSQL client, when used, runs as one of the application's services and is drained on
/// shutdown after the HTTP server.
public enum NameServerApplication {
    public static func make(
        configuration: NameServerConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws(NameStoreError) -> some ApplicationProtocol {
        let store: any NameStore
        var services: [any Service] = []
        var migrate: (@Sendable () async throws -> Void)?
        switch configuration.storage {
        case .sqlite(let path):
            store = try SQLiteNameStore(path: path)
        case .postgres(let postgres):
            let client = PostgresClient(configuration: postgres, backgroundLogger: logger)
            let postgresStore = PostgresNameStore(client: client, logger: logger)
            store = postgresStore
            services.append(client)
            migrate = { try await postgresStore.migrate() }
        }
        let metrics = NameServerMetrics()
        let throttle = LogThrottle()
        let connections = ConnectionTable(limits: configuration.connections, perIP: !configuration.trustForwardedFor) { event in
            metrics.connectionEvent(event)
            throttle.note(event.label) { count in
                logger.notice("connections closed by the limits", metadata: ["reason": "\(event.label)", "count": "\(count)"])
            }
        }
        let routes = NameServerRoutes(
            store: store, cache: NameRecordCache(capacity: configuration.cacheCapacity),
            limiter: RegistrationRateLimiter(policy: configuration.rateLimit), metrics: metrics, connections: connections,
            throttle: throttle, trustForwardedFor: configuration.trustForwardedFor, logger: logger)
        let router = Router(context: NameRequestContext.self)
        routes.register(on: router)
        var app = Application(
            router: router, server: .limited(by: connections) { HTTP1Channel(responder: $0) },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rafiki-nameserver"),
            services: services, onServerRunning: onServerRunning, logger: logger)
        if let migrate { app.beforeServerStarts(perform: migrate) }
        return app
    }
}
