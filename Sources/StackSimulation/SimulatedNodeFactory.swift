import DaemonWire
import DHT
import DHTSimulation
import Daemon
import Logging
import Synchronization

/// Account nodes on the simulation's network. A restarted account comes back at its old
/// address (a daemon restarted on the same port), with the node id the runtime kept.
final class SimulatedNodeFactory: DHTNodeFactory {
    private let simulation: Simulation
    private let index = Mutex<Int?>(nil)

    init(simulation: Simulation) { self.simulation = simulation }

    func startNode(_ config: DHTConfig, preferredPort: Int?, logger: Logger) async throws -> any DHTNodeProtocol {
        let previous = index.withLock { $0 }
        let node = previous.map { simulation.restart($0, config: config) } ?? simulation.addNode(config: config)
        index.withLock { $0 = node.index }
        return node
    }

    /// The node's place in the network, once started.
    var nodeIndex: Int? { index.withLock { $0 } }
}
