import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Testing

/// Two (or three) rafikid on loopback, a private DHT, real RSA, real SQLite, the real API.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ContactLifecycleTests {
    @Test func requestAcceptPresenceRemoveBan() async throws {
        let network = try await TestNetwork()
        let a = TestDaemon(network: network), b = TestDaemon(network: network)
        defer { a.remove(); b.remove() }
        try await a.start()
        try await b.start()
        let alice = try await a.createAccount("Alice"), bob = try await b.createAccount("Bob")
        try await a.recorder.wait("A registered") { $0.type == .registration && $0.state == "registered" }
        try await b.recorder.wait("B registered") { $0.type == .registration && $0.state == "registered" }

        // Alice asks Bob; Bob sees the request with her name and declines it.
        _ = try await a.client.call(.POST, "/v1/accounts/\(alice.id)/contacts", body: API.AddContact(peer: "jami:" + bob.id), as: AccountRuntime.ContactView.self)
        let first = try await b.recorder.wait("request at B") { $0.type == .requestReceived && $0.peer == alice.id }
        #expect(first.displayName == "Alice")
        var page = try await b.client.call(.GET, "/v1/accounts/\(bob.id)/requests", as: API.RequestPage.self)
        #expect(page.requests.map(\.from) == [alice.id])
        _ = try await b.client.call(.POST, "/v1/accounts/\(bob.id)/requests/\(alice.id)/decline")
        page = try await b.client.call(.GET, "/v1/accounts/\(bob.id)/requests", as: API.RequestPage.self)
        #expect(page.requests.isEmpty)

        // She asks again (a new request value); this time Bob accepts and she sees it confirmed.
        _ = try await a.client.call(.DELETE, "/v1/accounts/\(alice.id)/contacts/\(bob.id)")
        _ = try await a.client.call(.POST, "/v1/accounts/\(alice.id)/contacts", body: API.AddContact(peer: bob.id), as: AccountRuntime.ContactView.self)
        try await b.recorder.wait("second request") { $0.type == .requestReceived && $0.peer == alice.id && $0 != first }
        let accepted = try await b.client.call(.POST, "/v1/accounts/\(bob.id)/requests/\(alice.id)/accept", as: AccountRuntime.ContactView.self)
        #expect(accepted.confirmed && accepted.state == .active && accepted.displayName == "Alice")
        try await a.recorder.wait("confirmation at A") { $0.type == .contactConfirmed && $0.peer == bob.id }
        let aliceContacts = try await a.client.call(.GET, "/v1/accounts/\(alice.id)/contacts", as: API.ContactList.self).contacts
        #expect(aliceContacts.map(\.id) == [bob.id] && aliceContacts[0].confirmed)

        // Each sees the other online.
        try await a.recorder.wait("Bob online at A") { $0.type == .presence && $0.peer == bob.id && $0.online == true }
        try await b.recorder.wait("Alice online at B") { $0.type == .presence && $0.peer == alice.id && $0.online == true }

        // Bob bans Alice: her new request is dropped, nothing is stored; unbanning leaves her removed.
        _ = try await b.client.call(.POST, "/v1/accounts/\(bob.id)/contacts/\(alice.id)/ban")
        _ = try await a.client.call(.DELETE, "/v1/accounts/\(alice.id)/contacts/\(bob.id)")
        _ = try await a.client.call(.POST, "/v1/accounts/\(alice.id)/contacts", body: API.AddContact(peer: bob.id), as: AccountRuntime.ContactView.self)
        try await a.recorder.wait("request delivered again") { $0.type == .requestSent && $0.peer == bob.id && $0.time > first.time }
        try await Task.sleep(for: .seconds(2))
        page = try await b.client.call(.GET, "/v1/accounts/\(bob.id)/requests", as: API.RequestPage.self)
        #expect(page.requests.isEmpty)
        var bobsView = try await b.client.call(.GET, "/v1/accounts/\(bob.id)/contacts/\(alice.id)", as: AccountRuntime.ContactView.self)
        #expect(bobsView.state == .banned)
        _ = try await b.client.call(.POST, "/v1/accounts/\(bob.id)/contacts/\(alice.id)/unban")
        bobsView = try await b.client.call(.GET, "/v1/accounts/\(bob.id)/contacts/\(alice.id)", as: AccountRuntime.ContactView.self)
        #expect(bobsView.state == .removed)

        await a.stop()
        await b.stop()
        await network.stop()
    }

    @Test func presenceGoesOfflineAndStateSurvivesRestart() async throws {
        let network = try await TestNetwork()
        let a = TestDaemon(network: network), b = TestDaemon(network: network)
        defer { a.remove(); b.remove() }
        try await a.start()
        try await b.start()
        let alice = try await a.createAccount("Alice"), bob = try await b.createAccount("Bob")
        _ = try await a.client.call(.POST, "/v1/accounts/\(alice.id)/contacts", body: API.AddContact(peer: bob.id), as: AccountRuntime.ContactView.self)
        try await b.recorder.wait("request at B") { $0.type == .requestReceived && $0.peer == alice.id }
        _ = try await b.client.call(.POST, "/v1/accounts/\(bob.id)/requests/\(alice.id)/accept", as: AccountRuntime.ContactView.self)
        try await a.recorder.wait("confirmed") { $0.type == .contactConfirmed && $0.peer == bob.id }
        try await a.recorder.wait("Bob online") { $0.type == .presence && $0.peer == bob.id && $0.online == true }

        // Bob's daemon stops: his announcement expires (12 s on this network) and Alice sees him go.
        await b.stop()
        try await a.recorder.wait("Bob offline", timeout: .seconds(45)) { $0.type == .presence && $0.peer == bob.id && $0.online == false }

        // Bob's daemon starts again from the same folder: the contact is still there, confirmed,
        // and Alice sees him come back.
        let restartedB = TestDaemon(network: network, home: b.home.root)
        try await restartedB.start()
        let contacts = try await restartedB.client.call(.GET, "/v1/accounts/\(bob.id)/contacts", as: API.ContactList.self).contacts
        #expect(contacts.map(\.id) == [alice.id] && contacts[0].confirmed && contacts[0].displayName == "Alice")
        let offline = try #require(a.recorder.all.last { $0.type == .presence && $0.peer == bob.id })
        try await a.recorder.wait("Bob back online") { $0.type == .presence && $0.peer == bob.id && $0.online == true && $0.time > offline.time }
        let presence = try await a.client.call(.GET, "/v1/accounts/\(alice.id)/presence", as: API.PresenceList.self).presence
        #expect(presence.first { $0.id == bob.id }?.online == true)

        await restartedB.stop()
        await a.stop()
        await network.stop()
    }

    @Test func bothDevicesOfAnAccountReceiveTheRequest() async throws {
        let network = try await TestNetwork()
        let a1 = TestDaemon(network: network), a2 = TestDaemon(network: network), b = TestDaemon(network: network)
        defer { a1.remove(); a2.remove(); b.remove() }
        try await a1.start()
        try await a2.start()
        try await b.start()
        let alice = try await a1.createAccount("Alice")
        // Her second device: the archive exported from the first, imported into the second daemon.
        let export = try await a1.client.call(.POST, "/v1/accounts/\(alice.id)/export", as: API.Export.self)
        let second = try await a2.client.call(.POST, "/v1/accounts/import", body: API.ImportAccount(archive: export.archive, deviceName: "laptop"), as: API.Account.self)
        #expect(second.id == alice.id && second.device != alice.device)
        try await a1.recorder.wait("A1 sees the second device") { $0.type == .deviceFound && $0.device == second.device }

        let bob = try await b.createAccount("Bob")
        _ = try await b.client.call(.POST, "/v1/accounts/\(bob.id)/contacts", body: API.AddContact(peer: alice.id), as: AccountRuntime.ContactView.self)
        try await a1.recorder.wait("request at device 1") { $0.type == .requestReceived && $0.peer == bob.id }
        try await a2.recorder.wait("request at device 2") { $0.type == .requestReceived && $0.peer == bob.id }

        // Accepting on one device confirms the contact for Bob.
        _ = try await a2.client.call(.POST, "/v1/accounts/\(alice.id)/requests/\(bob.id)/accept", as: AccountRuntime.ContactView.self)
        try await b.recorder.wait("confirmation at B") { $0.type == .contactConfirmed && $0.peer == alice.id }

        for d in [a1, a2, b] { await d.stop() }
        await network.stop()
    }
}
