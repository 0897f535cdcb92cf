import NIOCore

/// How long a client may take at each step of a request, and how many connections a server
/// keeps open. Shared by `rafiki-nameserver` and `rafikid`'s API; the defaults suit a public
/// server, and each has its own options.
///
/// The deadlines follow a request through its connection:
/// - `idleTimeout`: a connection waits at most this long for the first byte of a request, both
///   right after it opens and between keep-alive requests (measured from the previous response);
/// - `headTimeout`: from that first byte, the request head (request line and headers) must be
///   complete within this time, so a head sent a byte at a time does not hold the connection;
/// - `bodyTimeout`: from the end of the head, the whole body must arrive within this time, so a
///   `Content-Length` that is never sent does not either.
/// While the server answers (a slow handler, an event stream) no deadline runs.
///
/// The bound (see ``ConnectionTable``): at most `maxConnections` connections, and at most
/// `maxConnectionsPerIP` from one IP address (0: no per-IP bound). A connection over either bound
/// takes the place of the connection that has waited longest without a request in progress (idle,
/// or still sending its head), from the same IP for the per-IP bound; when every connection has a
/// request in progress, the new one is closed at once.
public struct ConnectionLimits: Sendable, Equatable {
    public var maxConnections: Int
    public var maxConnectionsPerIP: Int
    public var idleTimeout: Duration
    public var headTimeout: Duration
    public var bodyTimeout: Duration

    public init(maxConnections: Int = 4096, maxConnectionsPerIP: Int = 64, idleTimeout: Duration = .seconds(15),
                headTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(10)) {
        self.maxConnections = max(1, maxConnections)
        self.maxConnectionsPerIP = max(0, maxConnectionsPerIP)
        self.idleTimeout = idleTimeout
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
    }
}

/// Where a connection stands in its request cycle.
public enum ConnectionPhase: String, Sendable {
    /// Waiting for the first byte of a request.
    case idle
    /// Receiving a request head.
    case head
    /// Receiving a request body.
    case body
    /// The request is read; the server is answering.
    case responding
    /// Upgraded to another protocol (WebSocket), which keeps its own liveness checks.
    case upgraded
}

/// What the limits did to a connection, for logs and metrics.
public enum ConnectionEvent: Sendable, Equatable {
    /// Closed at once: the server (or its IP's share) was full of connections with requests in progress.
    case refused
    /// Closed to make room for a new connection: it had waited longest without a request.
    case evicted
    /// Closed because the deadline of this phase passed.
    case timedOut(ConnectionPhase)

    /// A short label: `refused`, `evicted`, `idle_timeout`, `head_timeout`, `body_timeout`.
    public var label: String {
        switch self {
        case .refused: "refused"
        case .evicted: "evicted"
        case .timedOut(let phase): "\(phase.rawValue)_timeout"
        }
    }
}
