import DHT
import DHTTransport
import Daemon
import DaemonAPI
import DaemonClient
import DaemonWire
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A private DHT on 127.0.0.1: one bootstrap node. Announcements live 12 s instead of 10 min, so
/// tests see presence expire.
final class TestNetwork: Sendable {
    static let lifetimes: [UInt16: Int64] = [0: 12_000]
    private let node: Mutex<DHTNode>
    /// The daemons made on this network, for ``withTestNetwork(_:)`` to stop (nil: not tracked).
    let daemons: Mutex<[TestDaemon]?>
    /// Plain nodes a test started on this network (``plainNode()``), stopped with it.
    private let plainNodes = Mutex<[DHTNode]>([])

    init(tracksDaemons: Bool = false) async throws {
        daemons = Mutex(tracksDaemons ? [] : nil)
        node = Mutex(try await Self.startBootstrap(port: 0, nodeId: nil))
    }

    private static func startBootstrap(port: Int, nodeId: InfoHash?) async throws -> DHTNode {
        var configuration = DHTNode.Configuration(bindHost: "127.0.0.1", port: port)
        configuration.dht.lifetimeOverrides = Self.lifetimes
        configuration.dht.isBootstrapNode = true
        configuration.dht.nodeId = nodeId
        configuration.logger.logLevel = .critical
        return try await DHTNode.start(configuration)
    }

    var bootstrap: DHTNode { node.withLock { $0 } }

    var bootstrapAddress: String { "127.0.0.1:\(bootstrap.localAddress.port)" }

    /// Stops the bootstrap node and starts it again, same id and address, with empty storage:
    /// what the network stored is gone, as when storing nodes leave.
    func restartBootstrap() async throws {
        let old = bootstrap
        await old.shutdown()
        let new = try await Self.startBootstrap(port: Int(old.localAddress.port), nodeId: old.nodeId)
        node.withLock { $0 = new }
    }

    /// A plain DHT node (no account) joined to this network, for a test to put or get raw values.
    func plainNode() async throws -> DHTNode {
        var configuration = DHTNode.Configuration(bindHost: "127.0.0.1", port: 0)
        configuration.dht.lifetimeOverrides = Self.lifetimes
        configuration.logger.logLevel = .critical
        let node = try await DHTNode.start(configuration)
        plainNodes.withLock { $0.append(node) }
        try await node.bootstrap([try bootstrapPeer()])
        return node
    }

    func bootstrapPeer() throws -> PeerAddress {
        guard let address = PeerAddress(host: "127.0.0.1", port: bootstrap.localAddress.port) else { throw TestFailure("no bootstrap address") }
        return address
    }

    func stop() async {
        for node in plainNodes.withLock({ list in defer { list = [] }; return list }) { await node.shutdown() }
        await bootstrap.shutdown()
    }
}

/// Runs `body` on a fresh network, then stops every daemon made on it and the bootstrap node and
/// deletes the daemons' folders, pass or fail.
func withTestNetwork<T>(_ body: (TestNetwork) async throws -> T) async throws -> T {
    let network = try await TestNetwork(tracksDaemons: true)
    func tearDown() async {
        for d in network.daemons.withLock({ list in defer { list = [] }; return list ?? [] }) {
            await d.stop()
            d.remove()
        }
        await network.stop()
    }
    do {
        let result = try await body(network)
        await tearDown()
        return result
    } catch {
        await tearDown()
        throw error
    }
}

/// One rafikid (the library, with its API on a free loopback port) over a home folder; restartable.
final class TestDaemon: @unchecked Sendable {
    // @unchecked: the mutable fields are set by start/stop, which each test calls sequentially.
    let home: DaemonHome
    let network: TestNetwork
    private(set) var daemon: Daemon!
    private(set) var client: DaemonClient!
    private var group: ServiceGroup?
    private var running: Task<Void, any Error>?
    private(set) var recorder: EventRecorder!
    /// Serve the API on `<home>/api.sock` instead of loopback TCP.
    let onUnixSocket: Bool

    /// The configured name server (nothing listens at the default).
    let nameServer: String
    /// `peerConnectionsFromStrangers` in its configuration.
    var peerConnectionsFromStrangers = true
    /// Any other change of its configuration, applied last.
    var configure: @Sendable (inout DaemonConfiguration) -> Void = { _ in }

    init(network: TestNetwork, home: URL? = nil, onUnixSocket: Bool = false, nameServer: String = "http://127.0.0.1:9") {
        self.network = network
        self.onUnixSocket = onUnixSocket
        self.nameServer = nameServer
        self.home = DaemonHome(root: home ?? FileManager.default.temporaryDirectory.appendingPathComponent("rafikid-\(UUID().uuidString)"))
        network.daemons.withLock { $0?.append(self) }
    }

    func start() async throws {
        var config = DaemonConfiguration()
        config.bootstrap = [network.bootstrapAddress]
        config.dhtHost = "127.0.0.1"
        config.apiPort = 0
        config.nameServer = nameServer
        config.pendingRequestLimit = 16
        config.peerAddresses = ["127.0.0.1"]
        config.peerConnectionsFromStrangers = peerConnectionsFromStrangers
        config.dhtLifetimeOverrides = Dictionary(uniqueKeysWithValues: TestNetwork.lifetimes.map { (String($0.key), $0.value) })
        configure(&config)
        var logger = Logger(label: "test-rafikid")
        // RAFIKI_TEST_LOG=info (or debug) shows the daemons' logs when a test needs looking into.
        logger.logLevel = ProcessInfo.processInfo.environment["RAFIKI_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let token = try APIToken.loadOrCreate(at: home.tokenFile)
        let daemon = Daemon(home: home, configuration: config, logger: logger, keyBits: 2048)
        recorder = EventRecorder(daemon.events)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let address: DaemonAPIServer.Address = onUnixSocket ? .unixSocket(socketPath) : .tcp(host: "127.0.0.1", port: 0)
        let app = DaemonAPIServer.make(daemon: daemon, token: token, address: address, logger: logger) { channel in
            sink.yield(channel.localAddress?.port ?? 0)
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: DaemonService(daemon: daemon)), .init(service: app)], logger: logger))
        running = Task { try await group.run() }
        // Bounded: a server that never comes up fails here, not at the suite's time limit.
        let port = await withTaskGroup(of: Int?.self) { race in
            race.addTask { await ports.first { _ in true } }
            race.addTask {
                try? await Task.sleep(for: .seconds(30))
                return nil
            }
            defer { race.cancelAll() }
            return await race.next() ?? nil
        }
        guard let port else {
            await group.triggerGracefulShutdown()
            _ = try? await running?.value
            running = nil
            throw TestFailure("the daemon's API did not start within 30 s")
        }
        self.daemon = daemon
        self.group = group
        client = onUnixSocket ? DaemonClient(unixSocket: socketPath, token: token) : DaemonClient(baseURL: "http://127.0.0.1:\(port)", token: token)
    }

    var socketPath: String { home.root.appendingPathComponent("api.sock").path }

    func stop() async {
        await group?.triggerGracefulShutdown()
        _ = try? await running?.value
        group = nil
        running = nil
    }

    func remove() { try? FileManager.default.removeItem(at: home.root) }

    /// Creates an account through the API.
    func createAccount(_ displayName: String) async throws -> API.Account {
        try await client.call(.POST, "/v1/accounts", body: API.NewAccount(displayName: displayName), as: API.Account.self)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Everything a daemon published, and a way to wait for one event.
final class EventRecorder: Sendable {
    private struct Waiter {
        let predicate: @Sendable (DaemonEvent) -> Bool
        let continuation: CheckedContinuation<DaemonEvent, any Error>
    }
    private struct State {
        var events: [DaemonEvent] = []
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }
    private final class Box: Sendable { let state = Mutex(State()) }
    private let box = Box()
    private let task: Task<Void, Never>

    init(_ hub: EventHub) {
        let stream = hub.subscribe()
        let box = box
        task = Task {
            for await e in stream {
                let matched = box.state.withLock { s in
                    s.events.append(e)
                    let ids = s.waiters.filter { $0.value.predicate(e) }.map(\.key)
                    return ids.compactMap { s.waiters.removeValue(forKey: $0) }
                }
                for w in matched { w.continuation.resume(returning: e) }
            }
        }
    }

    deinit { task.cancel() }

    var all: [DaemonEvent] { box.state.withLock { $0.events } }

    /// Waits until an event matching `predicate` was recorded (woken by the event itself, no
    /// polling); fails after `timeout`, listing what was seen.
    @discardableResult
    func wait(_ what: String, timeout: Duration = .seconds(60), _ predicate: @escaping @Sendable (DaemonEvent) -> Bool) async throws -> DaemonEvent {
        let box = box
        let id = box.state.withLock { s in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        let deadline = Task {
            try? await Task.sleep(for: timeout)  // a bound on the wait, cancelled when it ends
            box.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(throwing: TestFailure("timed out"))
        }
        defer { deadline.cancel() }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let hit: DaemonEvent? = box.state.withLock { s in
                    if let e = s.events.first(where: predicate) { return e }
                    s.waiters[id] = Waiter(predicate: predicate, continuation: continuation)
                    return nil
                }
                if let hit { continuation.resume(returning: hit) }
            }
        } catch {
            throw TestFailure("timed out waiting for \(what); saw \(all.map { "\($0.type.rawValue) \($0.peer ?? "")" })")
        }
    }
}

/// Polls `check` (every 250 ms) until it gives a value, for states no single event announces
/// (a sync's effects, a profile seen through the API); fails after `timeout`, naming `what`.
@discardableResult
func waitFor<T>(_ what: String, timeout: Duration = .seconds(90), _ check: () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let v = try? await check() { return v }
        try await Task.sleep(for: .milliseconds(250))
    }
    throw TestFailure("timed out waiting for \(what)")
}

/// ``waitFor(_:timeout:_:)`` for a condition.
func waitUntil(_ what: String, timeout: Duration = .seconds(90), _ check: () async throws -> Bool) async throws {
    try await waitFor(what, timeout: timeout) { try await check() ? true : nil }
}
