import Daemon
import Foundation
import HTTPServerLimits
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Builds the local API server: REST routes and the event stream behind ``APIAccess`` (host,
/// origin, token), with the connection deadlines and bound of `HTTPServerLimits`, on loopback
/// (the default) or a Unix socket. Run it with `runService()` or in a `ServiceGroup`.
public enum DaemonAPIServer {
    public enum Address: Sendable {
        case tcp(host: String, port: Int)
        case unixSocket(String)
    }

    /// Everything about the server besides the daemon.
    public struct Settings: Sendable {
        public var address: Address
        public var token: String
        /// Origins (`scheme://host[:port]`) of web pages that may call the API, such as our own
        /// web client; CORS answers are given to these only. None by default.
        public var allowedOrigins: [String]
        public var connections: ConnectionLimits
        /// Where to say where the API listens (`api.json`, mode 0600), once it does.
        public var endpointFile: URL?

        public init(address: Address, token: String, allowedOrigins: [String] = [], connections: ConnectionLimits = DaemonAPIServer.connections,
                    endpointFile: URL? = nil) {
            self.address = address
            self.token = token
            self.allowedOrigins = allowedOrigins
            self.connections = connections
            self.endpointFile = endpointFile
        }
    }

    /// The local API's limits: few clients, all local (no per-IP share); the head must come within
    /// 10 s, a body (an archive to import) within 30 s, and an idle connection goes after 60 s.
    /// Event streams and WebSockets are not cut while open (WebSockets are pinged every 30 s).
    public static let connections = ConnectionLimits(
        maxConnections: 256, maxConnectionsPerIP: 0, idleTimeout: .seconds(60), headTimeout: .seconds(10), bodyTimeout: .seconds(30))

    public static func make(
        daemon: Daemon, token: String, address: Address, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        make(daemon: daemon, settings: Settings(address: address, token: token), logger: logger, onServerRunning: onServerRunning)
    }

    public static func make(
        daemon: Daemon, settings: Settings, logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let throttle = LogThrottle()
        let access: APIAccess
        let bind: BindAddress
        let socketPath: String?
        switch settings.address {
        case .tcp(let host, let port):
            access = APIAccess(token: settings.token, listeningHost: host, allowedOrigins: settings.allowedOrigins)
            bind = .hostname(host, port: port)
            socketPath = nil
        case .unixSocket(let path):
            access = APIAccess(token: settings.token, listeningHost: nil, allowedOrigins: settings.allowedOrigins)
            bind = .unixDomainSocket(path: path)
            socketPath = path
            removeStaleSocket(at: path, logger: logger)
        }
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIAccessMiddleware(access: access, queryTokenAllowed: false, throttle: throttle))
        if !settings.allowedOrigins.isEmpty {
            // Reached by allowed origins only: the access check refused the others.
            router.add(middleware: CORSMiddleware(allowOrigin: .originBased, allowMethods: [.get, .post, .put, .delete, .options]))
        }
        router.add(middleware: APIErrorMiddleware())
        DaemonRoutes(daemon: daemon, logger: logger).register(on: router)
        EventStreamRoute(daemon: daemon).registerStream(on: router)
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.add(middleware: APIAccessMiddleware(access: access, queryTokenAllowed: true, throttle: throttle))
        webSocketRouter.add(middleware: APIErrorMiddleware())
        EventStreamRoute(daemon: daemon).register(on: webSocketRouter)
        let webSocketResponder = webSocketRouter.buildResponder()
        let table = ConnectionTable(limits: settings.connections, perIP: false) { event in
            throttle.note(event.label) { count in
                logger.notice("API connections closed by the limits", metadata: ["reason": "\(event.label)", "count": "\(count)"])
            }
        }
        let server: HTTPServerBuilder = .limited(by: table, httpHandlers: { [UpgradeGate(access: access)] }) { responder in
            HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: .init())
        }
        let endpointFile = settings.endpointFile
        let running: @Sendable (any Channel) async -> Void = { channel in
            // The token guards every request; the mode keeps other users from even connecting.
            if let socketPath { chmod(socketPath, 0o600) }
            if let endpointFile {
                do {
                    try APIEndpointFile.write(APIEndpointFile.endpoint(of: channel, socket: socketPath), to: endpointFile)
                } catch {
                    logger.error("cannot write the API endpoint file", metadata: ["path": "\(endpointFile.path)", "error": "\(error)"])
                }
            }
            await onServerRunning(channel)
        }
        return Application(
            router: router, server: server, configuration: .init(address: bind, serverName: "rafikid"), onServerRunning: running,
            eventLoopGroupProvider: .shared(APIEventLoops.group), logger: logger)
    }

    /// A socket left by a daemon that did not stop cleanly would make the bind fail. It is removed
    /// only when nothing answers on it: a live daemon's socket stays, and the bind reports it.
    static func removeStaleSocket(at path: String, logger: Logger) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected != 0 && errno == ECONNREFUSED {
            logger.info("removing a stale API socket", metadata: ["path": "\(path)"])
            unlink(path)
        }
    }
}
