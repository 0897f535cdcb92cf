import Hummingbird
import NIOPosix
import Logging
import ServiceLifecycle
import Synchronization

/// A name server that lies with redirects, on 127.0.0.1, for tests of what a client follows
/// (issue 13, finding 7). `GET /name/<case>` answers `302` to the target listed in ``cases``;
/// `GET /final/<name>` answers a plain (unsigned) lookup for `<name>`, so a redirect that is
/// rightly followed ends in a found name. `GET /name/drip` answers `200` at once and then sends
/// its body a byte a second for two minutes. Every request is counted, to show a loop was cut short.
public final class HostileNameServer: Sendable {
    /// The redirect case → its `Location` (`PORT` is replaced by the server's own port).
    public static let cases: [String: String] = [
        "port": "http://[::1]:99999/", "port65536": "http://[::1]:65536/name/x", "portzero": "http://127.0.0.1:0/",
        "portsign": "http://127.0.0.1:+PORT/final/portsign", "loop": "/name/loop", "pingpong": "/name/pongping", "pongping": "/name/pingpong",
        "userinfo": "http://user:pw@127.0.0.1:PORT/final/userinfo", "idn": "http://bücher.de:PORT/final/idn",
        "hugehost": "http://" + String(repeating: "a", count: 300) + ":PORT/", "hugeurl": "/final/" + String(repeating: "x", count: 4000),
        "label": "http://" + String(repeating: "b", count: 64) + ".example:PORT/", "ftp": "ftp://127.0.0.1:PORT/", "file": "file:///etc/passwd",
        "shortv4": "http://127.1:PORT/final/shortv4", "zone": "http://[fe80::1%25lo]:PORT/", "query": "/final/query?x=1",
        "relativepath": "final/relativepath", "chain": "/name/chain1", "chain1": "/name/chain2", "chain2": "/name/chain3",
        "chain3": "/name/chain4", "chain4": "/name/chain5", "chain5": "/final/chain",
        // Followed: a same-server path, and one hop to an absolute URL on this server.
        "samehost": "/final/samehost", "absolute": "http://127.0.0.1:PORT/final/absolute",
    ]
    /// Redirect cases a correct client follows to a found name, the others it must refuse.
    public static let followed: Set<String> = ["samehost", "absolute"]

    /// The address lookups are answered with.
    public static let address = String(repeating: "ab", count: 20)

    public let url: String
    public let port: Int
    private let hits: Counter
    private let group: ServiceGroup
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let running: Task<Void, any Error>

    /// Requests served so far.
    public var requests: Int { hits.value.withLock { $0 } }

    private final class Counter: Sendable { let value = Mutex(0) }

    public static func start() async throws -> HostileNameServer {
        let hits = Counter()
        let router = Router()
        router.get("/name/:case") { request, context -> Response in
            hits.value.withLock { $0 += 1 }
            let name = context.parameters.get("case") ?? ""
            if name == "drip" { return dripping() }
            guard let target = cases[name] else { return Response(status: .notFound) }
            let port = request.head.authority.flatMap { $0.split(separator: ":").last }.map(String.init) ?? "0"
            return Response(status: .found, headers: [.location: target.replacingOccurrences(of: "PORT", with: port)])
        }
        router.get("/final/:name") { _, context -> Response in
            hits.value.withLock { $0 += 1 }
            let body = #"{"name":"\#(context.parameters.get("name") ?? "")","addr":"0x\#(address)"}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        var logger = Logger(label: "hostile-nameserver")
        logger.logLevel = .critical
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        // Its own event loop, so the suite's DHT traffic on NIO's shared ones cannot delay it.
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { sink.yield($0.localAddress?.port ?? 0) },
                              eventLoopGroupProvider: .shared(Self.loops), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var it = ports.makeAsyncIterator()
        guard let port = await it.next(), port > 0 else {
            running.cancel()
            throw HostileNameServerError.didNotStart
        }
        return HostileNameServer(port: port, hits: hits, group: group, running: running)
    }

    /// A valid lookup answer, padded with 120 spaces sent one a second (a write fails, and the
    /// handler ends, once the client has hung up).
    private static func dripping() -> Response {
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: #"{"name":"drip","#))
            for _ in 0..<120 {
                try await Task.sleep(for: .seconds(1))
                try await writer.write(ByteBuffer(string: " "))
            }
            try await writer.write(ByteBuffer(string: #""addr":"0x\#(address)"}"#))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    private init(port: Int, hits: Counter, group: ServiceGroup, running: Task<Void, any Error>) {
        (self.port, self.url) = (port, "http://127.0.0.1:\(port)")
        (self.hits, self.group, self.running) = (hits, group, running)
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}

public enum HostileNameServerError: Error { case didNotStart }
