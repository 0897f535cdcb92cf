import DaemonWire
import Contacts
import Daemon
import StackSimulation
import Testing

/// The contact lifecycle among complete account stacks (the daemon's services and SQLite state
/// over SecureDHT) on the simulated DHT: virtual time, real crypto, no sockets, no sleeps.
/// Announcements keep their real 10-minute lifetime, which takes no real time here.
extension StackSimulationSuite {
@Suite(.timeLimit(.minutes(5)))
struct ContactLifecycleTests {
    @Test(arguments: [UInt64(3), 11, 12])
    func requestDeclineAcceptPresenceBan(seed: UInt64) async throws {
        let pool = try await TestPool.get()
        try await SimulatedWorld.run(accounts: 2, pool: pool, seed: seed, loss: 0.02) { w in
            let (alice, bob) = (w.id(0), w.id(1))
            try await w.start(0)
            try await w.start(1)

            // Alice asks Bob; Bob sees the request with her name and declines it.
            try await w.runtime(0).contacts.add(bob)
            let first = try await w.wait(1, "request at Bob") { $0.type == .requestReceived && $0.peer == alice.hex }
            #expect(first.displayName == "Account 0")
            #expect(try w.runtime(1).contacts.requests(limit: 10, after: nil).requests.map(\.from) == [alice])
            try await w.runtime(1).contacts.decline(alice)
            #expect(try w.runtime(1).contacts.requests(limit: 10, after: nil).total == 0)

            // She asks again (a new request value); this time Bob accepts and she sees it confirmed.
            try await w.runtime(0).contacts.remove(bob, ban: false)
            let mark = w.eventCount(1)
            try await w.runtime(0).contacts.add(bob)
            try await w.wait(1, "second request", after: mark) { $0.type == .requestReceived && $0.peer == alice.hex }
            try await w.runtime(1).contacts.accept(alice)
            let accepted = try await w.runtime(1).contacts.contactView(alice)
            #expect(accepted.confirmed && accepted.state == .active && accepted.displayName == "Account 0")
            try await w.wait(0, "confirmation at Alice") { $0.type == .contactConfirmed && $0.peer == bob.hex }
            let aliceContacts = try await w.runtime(0).contacts.contactViews()
            #expect(aliceContacts.map(\.id) == [bob.hex] && aliceContacts[0].confirmed)

            // Each sees the other online.
            try await w.wait(0, "Bob online at Alice") { $0.type == .presence && $0.peer == bob.hex && $0.online == true }
            try await w.wait(1, "Alice online at Bob") { $0.type == .presence && $0.peer == alice.hex && $0.online == true }

            // Bob bans Alice: her new request is delivered but dropped, nothing is stored; unbanning
            // leaves her removed.
            try await w.runtime(1).contacts.remove(alice, ban: true)
            try await w.runtime(0).contacts.remove(bob, ban: false)
            let beforeBan = w.eventCount(1), sent = w.eventCount(0)
            try await w.runtime(0).contacts.add(bob)
            try await w.wait(0, "request delivered again", after: sent) { $0.type == .requestSent && $0.peer == bob.hex }
            await w.sleep(.seconds(60))
            #expect(!w.events(1).dropFirst(beforeBan).contains { $0.type == .requestReceived })
            #expect(try w.runtime(1).contacts.requests(limit: 10, after: nil).total == 0)
            #expect(try await w.runtime(1).contacts.contactView(alice).state == .banned)
            try await w.runtime(1).contacts.unban(alice)
            #expect(try await w.runtime(1).contacts.contactView(alice).state == .removed)
        }
    }

    @Test(arguments: [UInt64(4), 13, 14])
    func presenceGoesOfflineAndStateSurvivesARestart(seed: UInt64) async throws {
        let pool = try await TestPool.get()
        try await SimulatedWorld.run(accounts: 2, pool: pool, seed: seed, loss: 0.02) { w in
            let (alice, bob) = (w.id(0), w.id(1))
            try await w.start(0)
            try await w.start(1)
            try await w.runtime(0).contacts.add(bob)
            try await w.wait(1, "request at Bob") { $0.type == .requestReceived && $0.peer == alice.hex }
            try await w.runtime(1).contacts.accept(alice)
            try await w.wait(0, "confirmed") { $0.type == .contactConfirmed && $0.peer == bob.hex }
            try await w.wait(0, "Bob online") { $0.type == .presence && $0.peer == bob.hex && $0.online == true }

            // Bob stops: his announcement expires (10 minutes, as on the real network) and Alice sees him go.
            await w.stop(1)
            let stopped = w.simulation.now
            let offline = try await w.wait(0, "Bob offline", within: .seconds(900)) { $0.type == .presence && $0.peer == bob.hex && $0.online == false }
            #expect(offline.time - stopped >= 500_000, "an announcement lives 10 minutes")

            // Bob starts again from the same state: still a confirmed contact, and Alice sees him back.
            let mark = w.eventCount(0)
            try await w.start(1)
            let contacts = try await w.runtime(1).contacts.contactViews()
            #expect(contacts.map(\.id) == [alice.hex] && contacts[0].confirmed && contacts[0].displayName == "Account 0")
            try await w.wait(0, "Bob back online", after: mark) { $0.type == .presence && $0.peer == bob.hex && $0.online == true }
            #expect(try await w.runtime(0).contacts.presence().first { $0.id == bob.hex }?.online == true)
        }
    }

    @Test(arguments: [UInt64(5), 15, 16])
    func bothDevicesOfAnAccountReceiveTheRequest(seed: UInt64) async throws {
        let pool = try await TestPool.get()
        try await SimulatedWorld.run(accounts: 2, pool: pool, seed: seed, loss: 0.02) { w in
            let (alice, bob) = (w.id(0), w.id(1))
            let laptop = try w.addDevice(of: 0)
            try await w.start(0)
            try await w.start(laptop)
            try await w.wait(0, "Alice's first device sees the second") { $0.type == .deviceFound && $0.device == w.device(laptop).shortID.hex }

            try await w.start(1)
            try await w.runtime(1).contacts.add(alice)
            try await w.wait(0, "request at device 1") { $0.type == .requestReceived && $0.peer == bob.hex }
            try await w.wait(laptop, "request at device 2") { $0.type == .requestReceived && $0.peer == bob.hex }

            // Accepting on one device confirms the contact for Bob.
            try await w.runtime(laptop).contacts.accept(bob)
            try await w.wait(1, "confirmation at Bob") { $0.type == .contactConfirmed && $0.peer == alice.hex }
        }
    }
}
}
