import DHT
import DHTSimulation
import Daemon
import Identity
import SecureDHT
import StackSimulation
import Testing

/// What accounts publish as they join is found by everyone later, also when the network grew
/// meanwhile: a permanent put goes to nodes that become the closest after its first round, not
/// only at its next re-announcement (days away for a certificate). Found by rafiki-sim, where
/// one account in ten could not be sent a request because its certificate was not found;
/// then, under loss and reordering, a certificate whose parts overtook each other.
extension StackSimulationSuite {
@Suite(.timeLimit(.minutes(3)))
struct PublicationTests {
    @Test(arguments: [UInt64(9), 10])
    func certificatesPublishedWhileTheNetworkGrowsAreFound(seed: UInt64) async throws {
        let pool = try await TestPool.get()
        let missing = try await SimulatedWorld.run(accounts: 20, pool: pool, seed: seed, loss: 0.05) { w -> [Int] in
            for i in 0..<20 { try await w.start(i) }
            await w.sleep(.seconds(300))
            var config = DHTConfig()
            SecureDHTNode.enforcePolicies(on: &config)
            let raw = w.simulation.addNode(config: config)
            try await raw.bootstrap([VirtualNetwork.address(of: 0)], timeout: .seconds(30))
            let node = SecureDHTNode(node: raw, identity: nil)
            var missing: [Int] = []
            for i in 0..<20 {
                do { _ = try await node.findCertificate(InfoHash(w.device(i).shortID)) } catch { missing.append(i) }
            }
            await raw.shutdown()
            return missing
        }
        // The last misses (about one run in two) were certificates whose parts overtook each
        // other or their header: every holder's answer was lost, counted late, and the get ended
        // on the others' empty answers. Parts now wait for each other (ValuePartAssembler).
        #expect(missing.isEmpty, "certificates not found: accounts \(missing)")
    }
}
}
