import DaemonWire
import DHT
import Logging

/// Where an account's DHT node comes from: real UDP sockets in a daemon (``UDPNodeFactory``),
/// the virtual network in the simulation.
public protocol DHTNodeFactory: Sendable {
    /// Starts a node with `config` (which carries the node id kept from the last run).
    /// `preferredPort` is the port of the last run, to take again when it is free.
    func startNode(_ config: DHTConfig, preferredPort: Int?, logger: Logger) async throws -> any DHTNodeProtocol
}
