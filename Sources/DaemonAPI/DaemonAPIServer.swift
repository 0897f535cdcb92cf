import Daemon
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Builds the local API server: REST routes and the event stream, both behind the bearer token,
/// on loopback (the default) or a Unix socket. Run it with `runService()` or in a `ServiceGroup`.
public enum DaemonAPIServer {
    public enum Address: Sendable {
        case tcp(host: String, port: Int)
        case unixSocket(String)
    }

    public static func make(
        daemon: Daemon, token: String, address: Address, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: BearerTokenMiddleware(token: token))
        DaemonRoutes(daemon: daemon).register(on: router)
        EventStreamRoute(daemon: daemon).registerStream(on: router)
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.add(middleware: BearerTokenMiddleware(token: token))
        EventStreamRoute(daemon: daemon).register(on: webSocketRouter)
        let bind: BindAddress
        var running = onServerRunning
        switch address {
        case .tcp(let host, let port):
            bind = .hostname(host, port: port)
        case .unixSocket(let path):
            bind = .unixDomainSocket(path: path)
            removeStaleSocket(at: path, logger: logger)
            running = { channel in
                // The token guards every request; the mode keeps other users from even connecting.
                chmod(path, 0o600)
                await onServerRunning(channel)
            }
        }
        return Application(
            router: router, server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter),
            configuration: .init(address: bind, serverName: "rafikid"), onServerRunning: running, logger: logger)
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
