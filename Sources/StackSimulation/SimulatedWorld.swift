import Scheduling
import DaemonWire
import DHT
import DHTSimulation
import Daemon
import Identity
import SecureDHT

/// A few complete accounts on a simulated DHT, driven step by step: for tests of distributed
/// behaviour without sockets or sleeps. Waiting is in virtual time, so a test that waits for an
/// announcement to expire (10 minutes) takes the few seconds of work it is.
///
/// ```swift
/// try await SimulatedWorld.run(accounts: 2, pool: pool) { world in
///     try await world.start(0); try await world.start(1)
///     try await world.runtime(0).contacts.add(world.id(1))
///     try await world.wait(1, "request") { $0.type == .requestReceived }
/// }
/// ```
///
/// Safety of `@unchecked Sendable`: a world lives on its simulation's thread (see ``Simulation``).
public final class SimulatedWorld: @unchecked Sendable {
    public let simulation: Simulation
    private(set) var accounts: [SimulatedAccount]
    private var rng: DeterministicRNG
    private let bootstrap: SimulatedDHTNode
    private var recorded: [[DaemonEvent]]

    public enum WorldError: Error, CustomStringConvertible {
        case timedOut(String, seen: [DaemonEvent])
        case stalled

        public var description: String {
            switch self {
            case .timedOut(let what, let seen): "timed out waiting for \(what); seen: \(seen.map(\.type.rawValue))"
            case .stalled: "the simulation reached its time limit"
            }
        }
    }

    init(simulation: Simulation, pool: IdentityPool, accounts count: Int, bootstrap: SimulatedDHTNode, rng: DeterministicRNG,
         pendingRequestLimit: Int) throws {
        var rng = rng
        self.simulation = simulation
        var accounts: [SimulatedAccount] = []
        for i in 0..<count {
            accounts.append(try SimulatedAccount(index: i, member: pool.members[i], hostile: false, simulation: simulation,
                                                 bootstrap: [bootstrap.localAddress], nodeId: InfoHash.random(using: &rng), announcementId: rng.next(),
                                                 pendingRequestLimit: pendingRequestLimit))
        }
        self.accounts = accounts
        self.rng = rng
        self.bootstrap = bootstrap
        recorded = Array(repeating: [], count: count)
        for a in accounts { record(a) }
    }

    private func record(_ a: SimulatedAccount) {
        let events = a.events.subscribe()
        simulation.scheduler.spawn { [self] in
            for await e in events { recorded[a.index].append(e) }
        }
    }

    /// A new device of account `i`'s account (a fresh device key, certified by the account,
    /// announced with its own signed announcement): its index in the world.
    public func addDevice(of i: Int) throws -> Int {
        let archive = accounts[i].member.archive
        let device = try DeviceIdentity.create(for: archive, bits: IdentityPool.bits)
        let index = accounts.count
        let account = try SimulatedAccount(index: index, member: IdentityPool.Member(archive: archive, device: device), hostile: false,
                                           simulation: simulation, bootstrap: [bootstrap.localAddress], nodeId: InfoHash.random(using: &rng),
                                           announcementId: rng.next())
        accounts.append(account)
        recorded.append([])
        record(account)
        return index
    }

    /// Runs `body` in a new world of `accounts` accounts (from `pool`) around a network of
    /// `infrastructure` plain nodes.
    public static func run<T: Sendable>(accounts: Int, pool: IdentityPool, seed: UInt64 = 1, loss: Double = 0, infrastructure: Int = 8,
                                        pendingRequestLimit: Int = 1000,
                                        _ body: @escaping @Sendable (SimulatedWorld) async throws -> T) async throws -> T {
        var settings = VirtualNetwork.Settings()
        settings.seed = seed
        settings.lossRate = loss
        let result = await Simulation.run(settings) { sim -> Result<T, any Error> in
            let rng = DeterministicRNG(seed: seed ^ 0x3041d)
            var nodes: [SimulatedDHTNode] = []
            for i in 0..<max(1, infrastructure) {
                var config = DHTConfig()
                config.isBootstrapNode = i == 0
                SecureDHTNode.enforcePolicies(on: &config)
                let node = sim.addNode(config: config)
                if let first = nodes.first { try? await node.bootstrap([first.localAddress], timeout: .seconds(30)) }
                nodes.append(node)
            }
            // A network that has been running for a while, as the one a device joins is.
            try? await sim.clock.sleep(for: .seconds(60))
            var outcome: Result<T, any Error>
            do {
                let world = try SimulatedWorld(simulation: sim, pool: pool, accounts: accounts, bootstrap: nodes[0], rng: rng,
                                               pendingRequestLimit: pendingRequestLimit)
                do { outcome = .success(try await body(world)) } catch { outcome = .failure(error) }
                for a in world.accounts where a.online { await world.stop(a.index) }
            } catch {
                outcome = .failure(error)
            }
            for n in nodes { await n.shutdown() }
            return outcome
        }
        guard let result else { throw WorldError.stalled }
        return try result.get()
    }

    /// A node of the network that is no account: SecureDHT over a plain simulated node, with
    /// `identity` (its certificate published) or without. For tests that play an attacker or
    /// need raw access.
    public func plainNode(identity: DeviceIdentity? = nil) async throws -> (raw: SimulatedDHTNode, secure: SecureDHTNode) {
        var config = DHTConfig()
        SecureDHTNode.enforcePolicies(on: &config)
        let raw = simulation.addNode(config: config)
        try await raw.bootstrap([bootstrap.localAddress], timeout: .seconds(30))
        let secure = SecureDHTNode(node: raw, identity: identity)
        if identity != nil { try await secure.publishCertificate() }
        return (raw, secure)
    }

    public func runtime(_ i: Int) -> AccountRuntime { accounts[i].runtime }
    public func id(_ i: Int) -> PublicKeyID { accounts[i].id }
    public func device(_ i: Int) -> DeviceIdentity { accounts[i].member.device }
    public func archive(_ i: Int) -> AccountArchive { accounts[i].member.archive }
    /// Events account `i` published so far.
    public func events(_ i: Int) -> [DaemonEvent] { recorded[i] }

    /// Brings account `i` online and waits until it is registered (published).
    public func start(_ i: Int, within: Duration = .seconds(120)) async throws {
        let before = recorded[i].count
        accounts[i].online = true
        try await accounts[i].runtime.start()
        try await wait(i, "account \(i) registered", within: within, after: before) { $0.type == .registration && $0.state == "registered" }
    }

    public func stop(_ i: Int) async {
        accounts[i].online = false
        await accounts[i].runtime.stop()
    }

    /// Virtual time passes.
    public func sleep(_ d: Duration) async { try? await simulation.clock.sleep(for: d) }

    /// The first event of account `i` (after the `after` first ones) that `predicate` accepts,
    /// waiting up to `within` of virtual time.
    @discardableResult
    public func wait(_ i: Int, _ what: String, within: Duration = .seconds(600), after: Int = 0,
                     _ predicate: (DaemonEvent) -> Bool) async throws -> DaemonEvent {
        let deadline = simulation.now + within.wholeMilliseconds
        while true {
            if let e = recorded[i].dropFirst(after).first(where: predicate) { return e }
            guard simulation.now < deadline else { throw WorldError.timedOut(what, seen: recorded[i]) }
            await sleep(.milliseconds(50))
        }
    }

    /// How many events account `i` has published: pass it as `after` to wait for a later one.
    public func eventCount(_ i: Int) -> Int { recorded[i].count }
}
