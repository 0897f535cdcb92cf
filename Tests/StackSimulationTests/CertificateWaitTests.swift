import Contacts
import DHT
import Daemon
import DaemonWire
import Identity
import StackSimulation
import Testing

/// Bob's announcement is on the DHT but his certificate is not (yet): Alice cannot check his
/// device, so she does not send. When the certificate shows up she sends all the same, without
/// waiting for Bob to announce himself again (10 minutes away). Moved here from loopback UDP,
/// where "nothing was sent" needed a real sleep.
extension StackSimulationSuite {
@Suite(.timeLimit(.minutes(3)))
struct CertificateWaitTests {
    @Test(arguments: [UInt64(5), 6])
    func aRequestWaitsForTheCertificateAndThenGoesOut(seed: UInt64) async throws {
        let pool = try await TestPool.get()
        try await SimulatedWorld.run(accounts: 2, pool: pool, seed: seed) { w in
            let bob = w.id(1)
            try await w.start(0)
            // Bob's signed announcement, put by a node that is not Bob's (his account never starts).
            let putter = try await w.plainNode().secure
            let announcement = try DeviceAnnouncement(device: w.device(1)).signedValue(accountKey: w.archive(1).accountKey, id: 77)
            _ = try await putter.put(InfoHash(bob), announcement, permanent: true)

            try await w.runtime(0).contacts.add(bob)
            try await w.wait(0, "Bob's announcement at Alice") { $0.type == .presence && $0.peer == bob.hex && $0.online == true }
            await w.sleep(.seconds(120))  // her lookups of his certificate find nothing
            #expect(!w.events(0).contains { $0.type == .requestSent })

            _ = try await w.plainNode(identity: w.device(1))  // publishes the certificate
            try await w.wait(0, "the request sent once the certificate is found") { $0.type == .requestSent && $0.peer == bob.hex }
        }
    }
}
}
