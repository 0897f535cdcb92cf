import DHT
import Dispatch
import Scheduling
import Synchronization

/// A whole distributed system in one process, deterministic: DHT nodes on a ``VirtualNetwork``,
/// async code above them (SecureDHT, the daemon's services) on one ``SimulationExecutor``, and
/// a ``VirtualClock`` that jumps to the next thing due once nothing can run. The same seed and
/// script give the same sequence of events, and a simulated hour takes as long as its work.
///
/// ```swift
/// let report = await Simulation.run(VirtualNetwork.Settings()) { sim in
///     let a = sim.addNode(), b = sim.addNode()
///     try? await b.bootstrap([a.localAddress], timeout: .seconds(10))
///     return try? await b.put(.hashing(key: "k"), Value(id: 1, data: [1]))
/// }
/// ```
///
/// Safety of `@unchecked Sendable`: a simulation is used on its own thread only. ``run(_:timeLimit:_:)``
/// creates it there, every task it starts prefers its executor (drained on that thread), and
/// the network's events are handled by the same loop.
public final class Simulation: @unchecked Sendable {
    public let network: VirtualNetwork
    public let executor = SimulationExecutor()
    public let clock: VirtualClock
    private var handles: [Int: SimulatedDHTNode] = [:]

    init(settings: VirtualNetwork.Settings) {
        network = VirtualNetwork(settings: settings)
        clock = VirtualClock(start: network.now)
        ids = SeededIDs(seed: settings.seed ^ 0x1d5)
        network.onEvent = { [unowned self] index, event in self.handles[index]?.deliver(event) }
    }

    /// Time and tasks for services running in this simulation.
    public var scheduler: Scheduler {
        Scheduler(clock: clock, executor: executor, random: { [ids] in ids.next() })
    }

    /// Ids for the services, drawn from the seed.
    private let ids: SeededIDs

    /// Milliseconds since 1970, virtual.
    public var now: Int64 { network.now }

    /// Starts a DHT node on the virtual network.
    public func addNode(config: DHTConfig = DHTConfig()) -> SimulatedDHTNode {
        let index = network.addNode(config: config)
        let node = SimulatedDHTNode(simulation: self, index: index)
        handles[index] = node
        return node
    }

    /// Starts an offline node again at its address, with `config` (keep its `nodeId` to rejoin as
    /// the same node).
    public func restart(_ index: Int, config: DHTConfig) -> SimulatedDHTNode {
        network.restartNode(index, config: config)
        let node = SimulatedDHTNode(simulation: self, index: index)
        handles[index] = node
        return node
    }

    func forget(_ index: Int) {
        handles[index] = nil
        network.removeNode(index)
    }

    /// Runs `script` in a new simulation on a thread of its own, and returns what it returned;
    /// nil when virtual time reached `timeLimit` (ms after the start) first.
    public static func run<T: Sendable>(_ settings: VirtualNetwork.Settings, timeLimit: Int64 = 30 * 24 * 3_600_000,
                                        _ script: @escaping @Sendable (Simulation) async -> T) async -> T? {
        await withCheckedContinuation { (done: CheckedContinuation<T?, Never>) in
            DispatchQueue(label: "rafiki.simulation").async {
                let sim = Simulation(settings: settings)
                let result = Mutex<T?>(nil)
                let finished = Atomic<Bool>(false)
                let task = Task(executorPreference: sim.executor) {
                    let r = await script(sim)
                    result.withLock { $0 = r }
                    finished.store(true, ordering: .releasing)
                }
                let limit = sim.now + timeLimit
                let completed = sim.pump(until: { finished.load(ordering: .acquiring) }, limit: limit)
                if !completed { task.cancel() }
                sim.executor.drain()
                sim.handles.removeAll()
                done.resume(returning: completed ? result.withLock { $0 } : nil)
            }
        }
    }

    /// Runs jobs, network events and timers in order until `isDone` or virtual time `limit`;
    /// true when done.
    func pump(until isDone: () -> Bool, limit: Int64) -> Bool {
        while true {
            executor.drain()
            if isDone() { return true }
            let timer = clock.nextDeadline ?? .max
            let event = network.nextEventTime ?? .max
            let next = min(timer, event)
            if next == .max || next > limit { return false }
            if timer <= event {
                network.advance(to: timer)
                clock.set(timer)
                _ = clock.fireNext()
            } else {
                network.step()
                clock.set(network.now)
            }
        }
    }
}

/// A seeded generator shared by the services of a run.
final class SeededIDs: Sendable {
    private let rng: Mutex<DeterministicRNG>
    init(seed: UInt64) { rng = Mutex(DeterministicRNG(seed: seed)) }
    func next() -> UInt64 { rng.withLock { $0.next() } }
}
