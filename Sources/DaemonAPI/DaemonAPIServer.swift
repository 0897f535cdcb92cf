import Daemon
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

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
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.add(middleware: BearerTokenMiddleware(token: token))
        EventStreamRoute(daemon: daemon).register(on: webSocketRouter)
        let bind: BindAddress = switch address {
        case .tcp(let host, let port): .hostname(host, port: port)
        case .unixSocket(let path): .unixDomainSocket(path: path)
        }
        return Application(
            router: router, server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter),
            configuration: .init(address: bind, serverName: "rafikid"), onServerRunning: onServerRunning, logger: logger)
    }
}
