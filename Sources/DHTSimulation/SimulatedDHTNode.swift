import DHT
import Scheduling

/// A DHT node of a ``Simulation``: a ``DHTCore`` on the virtual network behind the same
/// interface as a node on UDP sockets, so SecureDHT and the daemon's services run on it unchanged.
///
/// Safety of `@unchecked Sendable`: every member is used on the simulation's thread only. The
/// methods are called by tasks on the simulation's executor, and ``deliver(_:)`` by its loop.
public final class SimulatedDHTNode: DHTNodeProtocol, @unchecked Sendable {
    private unowned let simulation: Simulation
    /// The node's place in the network (its address is ``VirtualNetwork/address(of:)``).
    public let index: Int
    public let nodeId: InfoHash
    public let localAddress: PeerAddress
    private var stopped = false

    private struct GetWaiter {
        var values: [Value] = []
        var done: CheckedContinuation<[Value], any Error>
        var onValues: (@Sendable ([Value]) -> Void)?
        var until: (@Sendable ([Value]) -> Bool)?
    }

    private var gets: [OperationID: GetWaiter] = [:]
    private var puts: [OperationID: CheckedContinuation<Int, Never>] = [:]
    private var listeners: [OperationID: AsyncStream<ListenEvent>.Continuation] = [:]

    init(simulation: Simulation, index: Int) {
        self.simulation = simulation
        self.index = index
        localAddress = VirtualNetwork.address(of: index)
        nodeId = simulation.network.nodes[index]?.nodeId ?? InfoHash(bytes: [UInt8](repeating: 0, count: 20))!  // safe: 20 bytes
    }

    private var network: VirtualNetwork { simulation.network }

    public func bootstrap(_ addresses: [PeerAddress], timeout: Duration) async throws {
        network.with(index) { core, now in for a in addresses { core.bootstrap(a, now: now) } }
        let deadline = simulation.now + timeout.wholeMilliseconds
        while simulation.now < deadline && !stopped {
            if network.nodes[index]?.isConnected == true {
                // As on UDP: a moment for the neighbourhood lookup to fill the routing table.
                try await simulation.clock.sleep(for: .milliseconds(300))
                return
            }
            try await simulation.clock.sleep(for: .milliseconds(20))
        }
        throw DHTNodeError.bootstrapFailed
    }

    public func prepare(_ key: InfoHash) {
        network.with(index) { core, now in core.prepare(key, now: now) }
    }

    public func put(_ key: InfoHash, _ value: Value, permanent: Bool) async throws -> Int {
        guard !stopped else { return 0 }
        return await withCheckedContinuation { c in
            guard let op = network.with(index, { core, now in core.put(key, value, permanent: permanent, now: now) }) else {
                return c.resume(returning: 0)
            }
            puts[op] = c
        }
    }

    public func get(_ key: InfoHash, query: Query, onValues: (@Sendable ([Value]) -> Void)?,
                    until: (@Sendable ([Value]) -> Bool)?) async throws -> [Value] {
        guard !stopped else { throw DHTNodeError.noNodeReached }
        return try await withCheckedThrowingContinuation { c in
            guard let op = network.with(index, { core, now in core.get(key, query: query, now: now) }) else {
                return c.resume(throwing: DHTNodeError.noNodeReached)
            }
            gets[op] = GetWaiter(done: c, onValues: onValues, until: until)
        }
    }

    public func listen(_ key: InfoHash, query: Query) -> AsyncStream<ListenEvent> {
        let (stream, continuation) = AsyncStream<ListenEvent>.makeStream()
        guard !stopped, let op = network.with(index, { core, now in core.listen(key, query: query, now: now) }) else {
            continuation.finish()
            return stream
        }
        listeners[op] = continuation
        continuation.onTermination = { [weak self] _ in
            // Termination may be reported from the task that cancelled the stream: still the
            // simulation's thread, since every task there runs on its executor.
            guard let self else { return }
            self.listeners[op] = nil
            self.network.with(self.index) { core, _ in core.cancel(op) }
        }
        return stream
    }

    public func statistics() async throws -> DHTStatistics {
        guard let core = network.nodes[index] else { throw DHTNodeError.noNodeReached }
        return core.statistics
    }

    /// Takes the node off the network; pending operations complete with what they have.
    public func shutdown() async {
        guard !stopped else { return }
        stopped = true
        for (_, w) in gets { w.done.resume(returning: w.values) }
        gets.removeAll()
        for (_, p) in puts { p.resume(returning: 0) }
        puts.removeAll()
        let open = listeners.values
        listeners.removeAll()
        for l in open { l.finish() }
        simulation.forget(index)
    }

    /// An event of this node's core, from the simulation's loop.
    func deliver(_ event: DHTEvent) {
        switch event {
        case .values(let op, let values):
            guard var w = gets[op] else { return }
            w.values += values
            gets[op] = w
            w.onValues?(values)
            if let until = w.until, until(values) {
                gets[op] = nil
                network.with(index) { core, _ in core.cancel(op) }
                w.done.resume(returning: w.values)
            }
        case .getDone(let op, let success):
            guard let w = gets.removeValue(forKey: op) else { return }
            if success || !w.values.isEmpty { w.done.resume(returning: w.values) } else { w.done.resume(throwing: DHTNodeError.noNodeReached) }
        case .putDone(let op, let storedOn):
            puts.removeValue(forKey: op)?.resume(returning: storedOn)
        case .listenAdded(let op, let values):
            for v in values { listeners[op]?.yield(.added(v)) }
        case .listenExpired(let op, let ids):
            for id in ids { listeners[op]?.yield(.expired(id)) }
        case .pong:
            break
        }
    }
}
