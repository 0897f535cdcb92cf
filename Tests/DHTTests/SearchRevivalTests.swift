import Testing
@testable import DHT
@testable import DHTSimulation

/// A node that a long-lived search gave up on (its requests timed out) is asked again once it is
/// heard from: a node restarted on its address with its id (as the daemon tests' bootstrap is)
/// gets the listen back, instead of being left out of the search for good.
@Suite struct SearchRevivalTests {
    @Test func aListenReturnsToANodeThatCameBack() throws {
        let net = VirtualNetwork(settings: VirtualNetwork.Settings())
        var config = DHTConfig()
        config.isBootstrapNode = true
        let boot = net.addNode(config: config)
        let bootID = try #require(net.nodes[boot]?.nodeId)
        let alice = net.addNode()
        net.with(alice) { core, now in core.bootstrap(VirtualNetwork.address(of: boot), now: now) }
        net.run(for: 5_000)
        let key = InfoHash.hashing(key: "inbox")
        net.with(alice) { core, now in _ = core.listen(key, now: now) }
        net.run(for: 5_000)
        #expect(net.nodes[boot]?.statistics.remoteListeners == 1)

        // The bootstrap goes away long enough for Alice's requests to it to time out, and comes
        // back empty with its id.
        net.removeNode(boot)
        net.run(for: 60_000)
        config.nodeId = bootID
        net.restartNode(boot, config: config)
        net.run(for: 120_000)
        #expect(net.nodes[boot]?.statistics.remoteListeners == 1)
    }
}
