import DHT
import Logging
import NIOCore
import NIOPosix

/// A running DHT node on real UDP sockets: the ``DHTCore`` driven by SwiftNIO.
///
/// ```swift
/// let node = try await DHTNode.start(DHTNode.Configuration(bindHost: "127.0.0.1", port: 0))
/// try await node.bootstrap(PeerAddress(hostPort: "127.0.0.1:4222")!)
/// let stored = try await node.put(.hashing(key: "demo"), Value(id: 0, data: Array("hi".utf8)))
/// for value in try await node.get(.hashing(key: "demo")) { print(value.data) }
/// ```
public final class DHTNode: DHTNodeProtocol {
    /// Where and how to run a node.
    public struct Configuration: Sendable {
        public var bindHost: String
        public var port: Int
        /// An IPv6 address to bind as well (a second socket), or nil for IPv4 only.
        public var bindHost6: String?
        public var dht = DHTConfig()
        public var eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
        public var logger = Logger(label: "rafiki.dht")

        public init(bindHost: String = "127.0.0.1", port: Int = 4222, bindHost6: String? = nil) {
            self.bindHost = bindHost
            self.port = port
            self.bindHost6 = bindHost6
        }
    }

    /// Datagrams read per system call.
    static let readBatch = 32
    /// Largest datagram accepted: OpenDHT's value parts keep every datagram under 1.5 KB.
    static let maxDatagram = 4096

    private let driver: NIOLoopBound<DHTNodeDriver>
    private let loop: any EventLoop
    private let channels: [any Channel]
    /// This node's id.
    public let nodeId: InfoHash
    /// The bound IPv4 (or first) address.
    public let localAddress: PeerAddress

    private init(driver: NIOLoopBound<DHTNodeDriver>, loop: any EventLoop, channels: [any Channel], nodeId: InfoHash, localAddress: PeerAddress) {
        self.driver = driver
        self.loop = loop
        self.channels = channels
        self.nodeId = nodeId
        self.localAddress = localAddress
    }

    /// Binds the sockets and starts the node.
    public static func start(_ configuration: Configuration) async throws -> DHTNode {
        let loop = configuration.eventLoopGroup.next()
        let families: [AddressFamily] = configuration.bindHost.contains(":") ? [.inet6]
            : configuration.bindHost6 != nil ? [.inet, .inet6] : [.inet]
        let dht = configuration.dht
        let logger = configuration.logger
        let driver = try await loop.submit {
            NIOLoopBound(DHTNodeDriver(loop: loop, core: DHTCore(config: dht, families: families, now: DHTNodeDriver.now()), logger: logger), eventLoop: loop)
        }.get()
        var channels: [any Channel] = []
        do {
            for (host, port) in [(configuration.bindHost, configuration.port)] + (configuration.bindHost6.map { [($0, configuration.port)] } ?? []) {
                let channel = try await DatagramBootstrap(group: loop)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    // recvmmsg: NIO splits one receive buffer evenly across the vector slots, so the
                    // buffer holds `readBatch` datagrams of up to `maxDatagram` bytes each.
                    .channelOption(.datagramVectorReadMessageCount, value: Self.readBatch)
                    .channelOption(.maxMessagesPerRead, value: 4)
                    .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.readBatch * Self.maxDatagram))
                    .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(DHTChannelHandler(driver: driver.value))
                        }
                    }
                    .bind(host: host, port: port).get()
                channels.append(channel)
            }
        } catch {
            for c in channels { try? await c.close().get() }
            throw DHTNodeError.bindFailed("\(error)")
        }
        let local = channels.first?.localAddress.flatMap(PeerAddress.init) ?? PeerAddress(ip: .v4(0), port: 0)
        let nodeId = try await loop.submit { [channels] in
            let d = driver.value
            for c in channels {
                if let a = c.localAddress.flatMap(PeerAddress.init) { d.channels[a.family] = c }
            }
            return d.core.nodeId
        }.get()
        return DHTNode(driver: driver, loop: loop, channels: channels, nodeId: nodeId, localAddress: local)
    }

    /// Contacts a known node to join the network; returns once the node knows at least one good
    /// node or `timeout` passes (then throws).
    public func bootstrap(_ addresses: [PeerAddress], timeout: Duration) async throws {
        try await onLoop { d in d.run { core, now in for a in addresses { core.bootstrap(a, now: now) } } }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await onLoop({ $0.core.isConnected }) {
                // Give the neighbourhood lookup a moment to fill the routing table.
                try await Task.sleep(for: .milliseconds(300))
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DHTNodeError.bootstrapFailed
    }

    /// Looks up the nodes a coming ``put(_:_:permanent:)`` to `key` will store on, ahead of it
    /// (see ``DHTCore/prepare(_:now:)``). Returns at once.
    public func prepare(_ key: InfoHash) {
        loop.execute { [driver] in driver.value.run { core, now in core.prepare(key, now: now) } }
    }

    /// Stores `value` under `key` on the closest nodes; returns how many acknowledged it.
    @discardableResult
    public func put(_ key: InfoHash, _ value: Value, permanent: Bool) async throws -> Int {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int, any Error>) in
            loop.execute { [driver] in
                let d = driver.value
                d.run { core, now in
                    let op = core.put(key, value, permanent: permanent, now: now)
                    d.putWaiters[op] = { c.resume(returning: $0) }
                }
            }
        }
    }

    /// The values stored under `key` matching `query`. `onValues` sees each batch as it arrives.
    /// With `until`, the get ends as soon as a batch satisfies it (OpenDHT's callback returning
    /// false): a self-certifying value such as a certificate needs no second copy. `until` runs on
    /// the node's event loop, so it must be cheap (no RSA).
    public func get(_ key: InfoHash, query: Query, onValues: (@Sendable ([Value]) -> Void)?,
                    until: (@Sendable ([Value]) -> Bool)?) async throws -> [Value] {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<[Value], any Error>) in
            loop.execute { [driver] in
                let d = driver.value
                d.run { core, now in
                    let op = core.get(key, query: query, now: now)
                    // Local values are emitted synchronously inside `get`, before the waiter exists.
                    let early = core.takeOutputs()
                    d.getWaiters[op] = DHTNodeDriver.GetWaiter(done: { c.resume(with: $0.mapError { $0 as any Error }) }, onValues: onValues, until: until)
                    d.replay(early)
                }
            }
        }
    }

    /// Pings `address`; returns the node id that answered, or nil after three silent tries (~8 s).
    public func ping(_ address: PeerAddress) async -> InfoHash? {
        await withCheckedContinuation { (c: CheckedContinuation<InfoHash?, Never>) in
            loop.execute { [driver] in
                let d = driver.value
                d.run { core, now in
                    let op = core.ping(address, now: now)
                    d.pingWaiters[op] = { c.resume(returning: $0) }
                }
            }
        }
    }

    /// Events for values added or expired under `key`, until the sequence is dropped or cancelled.
    public func listen(_ key: InfoHash, query: Query) -> AsyncStream<ListenEvent> {
        AsyncStream { continuation in
            loop.execute { [driver, loop] in
                let d = driver.value
                d.run { core, now in
                    let op = core.listen(key, query: query, now: now)
                    let early = core.takeOutputs()
                    d.listeners[op] = continuation
                    d.replay(early)
                    continuation.onTermination = { [driver, loop] _ in
                        loop.execute {
                            driver.value.listeners[op] = nil
                            driver.value.core.cancel(op)
                        }
                    }
                }
            }
        }
    }

    public func statistics() async throws -> DHTStatistics {
        try await onLoop { $0.core.statistics }
    }

    /// Good nodes of the routing table, for saving.
    public func exportNodes() async throws -> [WireMessage.NodeEntry] {
        try await onLoop { $0.core.exportNodes() }
    }

    /// Pings saved nodes so they rejoin the routing table.
    public func importNodes(_ nodes: [WireMessage.NodeEntry]) async throws {
        try await onLoop { d in d.run { core, now in core.addNodes(nodes, now: now) } }
    }

    /// Closes the sockets; pending operations complete with what they have.
    public func shutdown() async {
        _ = try? await onLoop { $0.stop() }
        for c in channels { try? await c.close().get() }
    }

    private func onLoop<T: Sendable>(_ body: @escaping @Sendable (DHTNodeDriver) -> T) async throws -> T {
        try await loop.submit { [driver] in body(driver.value) }.get()
    }
}
