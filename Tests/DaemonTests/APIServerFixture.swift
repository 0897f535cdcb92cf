import Daemon
import DaemonAPI
import DaemonWire
import Foundation
import HTTPServerLimits
import Logging
import ServiceLifecycle
import TestSupport

/// A daemon with no accounts (so no DHT) and its API, for tests of the API's own rules: who may
/// call it and how long connections live.
struct APIServerUnderTest: Sendable {
    let home: DaemonHome
    let daemon: Daemon
    let token: String
    /// The TCP port, or 0 on a Unix socket.
    let port: Int
    let socketPath: String?

    func connect(from source: String? = nil) throws -> RawConnection {
        if let socketPath { return try RawConnection(unixSocket: socketPath) }
        return try RawConnection(port: port, from: source)
    }

    /// One request written by hand (`Connection: close` is added), and its answer.
    func exchange(_ target: String, method: String = "GET", headers: [String] = [], host: String? = nil) async throws -> RawHTTPAnswer {
        let hostLine = host.map { "Host: \($0)\r\n" } ?? (port > 0 ? "Host: 127.0.0.1:\(port)\r\n" : "Host: rafikid\r\n")
        let request = "\(method) \(target) HTTP/1.1\r\n\(hostLine)" + headers.map { $0 + "\r\n" }.joined() + "Connection: close\r\n\r\n"
        return try await RawHTTPAnswer.exchange(request, on: try connect(), timeout: .seconds(10))
    }

    var bearer: String { "Authorization: Bearer \(token)" }

    /// A connection that had one request answered and now idles (kept alive). Made one after
    /// the other, such connections are admitted in the order they were made, which connections
    /// merely opened in a row are not on a loaded machine (each is admitted on its own event loop).
    func answeredThenIdle() async throws -> RawConnection {
        let connection = try connect()
        let hostLine = port > 0 ? "Host: 127.0.0.1:\(port)\r\n" : "Host: rafikid\r\n"
        let (head, _) = try await onOwnThread {
            guard connection.send("GET /v1/status HTTP/1.1\r\n\(hostLine)\(bearer)\r\n\r\n") else { throw TestFailure("closed before the request was sent") }
            return connection.readHead(timeout: .seconds(20))
        }
        guard head.hasPrefix("HTTP/1.1 200") else { throw TestFailure("no answer: \(head)") }
        return connection
    }

    /// A WebSocket handshake for the event stream; the first line of the answer (101 when accepted).
    func webSocketHandshake(_ target: String = "/v1/events", headers: [String] = [], host: String? = nil) async throws -> String {
        let connection = try connect()
        let hostLine = "Host: \(host ?? "127.0.0.1:\(port)")\r\n"
        let request = "GET \(target) HTTP/1.1\r\n\(hostLine)Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
        return try await onOwnThread {
            guard connection.send(request) else { throw TestFailure("closed before the handshake was sent") }
            // A bound, not a speed check: the whole suite runs in parallel on two cores.
            let (text, _) = connection.readHead(timeout: .seconds(20))
            return text.components(separatedBy: "\r\n").first ?? ""
        }
    }
}

func withAPIServer<T: Sendable>(
    allowedOrigins: [String] = [], connections: ConnectionLimits = DaemonAPIServer.connections, onUnixSocket: Bool = false,
    writeEndpointFile: Bool = false, _ body: (APIServerUnderTest) async throws -> T
) async throws -> T {
    let home = DaemonHome(root: FileManager.default.temporaryDirectory.appendingPathComponent("rafikid-api-\(UUID().uuidString)"))
    defer { try? FileManager.default.removeItem(at: home.root) }
    var config = DaemonConfiguration()
    config.bootstrap = []
    config.nameServer = "http://127.0.0.1:9"
    var logger = Logger(label: "test-rafikid-api")
    // RAFIKI_TEST_TRACE=1 shows Hummingbird's and NIO's view of each connection.
    logger.logLevel = ProcessInfo.processInfo.environment["RAFIKI_TEST_TRACE"] == nil ? .warning : .trace
    let token = try APIToken.loadOrCreate(at: home.tokenFile)
    let daemon = Daemon(home: home, configuration: config, logger: logger, keyBits: 2048)
    let socketPath = onUnixSocket ? home.root.appendingPathComponent("api.sock").path : nil
    let settings = DaemonAPIServer.Settings(
        address: socketPath.map { .unixSocket($0) } ?? .tcp(host: "127.0.0.1", port: 0), token: token, allowedOrigins: allowedOrigins,
        connections: connections, endpointFile: writeEndpointFile ? home.endpointFile : nil)
    let (ports, sink) = AsyncStream.makeStream(of: Int.self)
    let app = DaemonAPIServer.make(daemon: daemon, settings: settings, logger: logger) { channel in
        sink.yield(channel.localAddress?.port ?? 0)
    }
    let group = ServiceGroup(configuration: .init(services: [.init(service: DaemonService(daemon: daemon)), .init(service: app)], logger: logger))
    let running = Task { try await group.run() }
    var it = ports.makeAsyncIterator()
    guard let port = await it.next() else { throw TestFailure("API did not start") }
    let server = APIServerUnderTest(home: home, daemon: daemon, token: token, port: socketPath == nil ? port : 0, socketPath: socketPath)
    do {
        let result = try await body(server)
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        return result
    } catch {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        throw error
    }
}
