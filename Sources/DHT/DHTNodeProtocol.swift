/// A running DHT node, whatever moves its datagrams: ``DHTCore`` on real UDP sockets
/// (`DHTTransport.DHTNode`) or on the simulation's virtual network (`DHTSimulation`). The layers
/// above (SecureDHT, the daemon's services) depend on this protocol only, so they run unchanged
/// in both.
public protocol DHTNodeProtocol: AnyObject, Sendable {
    /// This node's id.
    var nodeId: InfoHash { get }
    /// The bound address (the first one when several are bound).
    var localAddress: PeerAddress { get }

    /// Contacts known nodes to join the network; returns once the node knows at least one good
    /// node, or throws ``DHTNodeError/bootstrapFailed`` when `timeout` passes first.
    func bootstrap(_ addresses: [PeerAddress], timeout: Duration) async throws

    /// Looks up the nodes a coming put to `key` will store on, ahead of it. Returns at once.
    func prepare(_ key: InfoHash)

    /// Stores `value` under `key` on the closest nodes (re-announced while we run when
    /// `permanent`); returns how many acknowledged it.
    func put(_ key: InfoHash, _ value: Value, permanent: Bool) async throws -> Int

    /// The values under `key` matching `query`. `onValues` sees each batch as it arrives; the
    /// get ends early once `until` returns true for a batch. Both run on the node's own
    /// context, so they must be cheap.
    func get(_ key: InfoHash, query: Query, onValues: (@Sendable ([Value]) -> Void)?, until: (@Sendable ([Value]) -> Bool)?) async throws -> [Value]

    /// Changes under `key` until the stream is dropped or its task cancelled (which cancels
    /// the listen on the network too).
    func listen(_ key: InfoHash, query: Query) -> AsyncStream<ListenEvent>

    func statistics() async throws -> DHTStatistics

    /// Stops the node; pending operations complete with what they have.
    func shutdown() async
}

extension DHTNodeProtocol {
    @discardableResult
    public func put(_ key: InfoHash, _ value: Value) async throws -> Int {
        try await put(key, value, permanent: false)
    }

    public func get(_ key: InfoHash, query: Query = Query(), onValues: (@Sendable ([Value]) -> Void)? = nil) async throws -> [Value] {
        try await get(key, query: query, onValues: onValues, until: nil)
    }

    public func listen(_ key: InfoHash) -> AsyncStream<ListenEvent> {
        listen(key, query: Query())
    }

    public func bootstrap(_ addresses: [PeerAddress]) async throws {
        try await bootstrap(addresses, timeout: .seconds(10))
    }
}

/// A change under a listened key.
public enum ListenEvent: Sendable, Equatable {
    case added(Value)
    case expired(UInt64)
}

public enum DHTNodeError: Error, Sendable, Equatable, CustomStringConvertible {
    case bindFailed(String)
    case bootstrapFailed
    case noNodeReached

    public var description: String {
        switch self {
        case .bindFailed(let why): return "could not bind the UDP socket: \(why)"
        case .bootstrapFailed: return "no bootstrap node answered"
        case .noNodeReached: return "no node answered"
        }
    }
}
