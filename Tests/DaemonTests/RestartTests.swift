import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Glibc
import TestSupport
import Testing

/// A daemon restarted from its folder (finding 10 of issue 13): until the DHT confirms a contact,
/// the contact is shown as last seen, not online from what was stored; and the account is back
/// online (announced, listening on its inbox, following its contacts) within seconds.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct RestartTests {
    /// The goal is 5 s on loopback with a reachable bootstrap node; the bound leaves room for a
    /// loaded CI machine, and still fails the 15 s a restart took before.
    static let backOnlineBound = Duration.seconds(10)

    @Test func contactIsLastSeenUntilConfirmedAndTheAccountIsBackOnlineQuickly() async throws {
        try await withTestNetwork { network in
            let a = TestDaemon(network: network), b = TestDaemon(network: network)
            try await a.start()
            try await b.start()
            let alice = try await a.createAccount("Alice"), bob = try await b.createAccount("Bob")
            try await befriend(alice, on: a, bob, on: b)
            try await b.recorder.wait("Alice online at Bob") { $0.type == .presence && $0.peer == alice.id && $0.online == true }
            // Carol, on Alice's daemon, asks Bob for contact while he restarts.
            let carol = try await a.createAccount("Carol")
            try await a.recorder.wait("Carol registered") { $0.type == .registration && $0.account == carol.id && $0.state == "registered" }

            await b.stop()
            let restarted = TestDaemon(network: network, home: b.home.root)
            let started = ContinuousClock.now
            try await restarted.start()

            // Nothing confirmed yet: Alice is last seen (when Bob's daemon stopped), not online.
            let presence = try await restarted.client.call(.GET, "/v1/accounts/\(bob.id)/presence", as: API.PresenceList.self).presence
            let early = try #require(presence.first { $0.id == alice.id })
            if early.online {
                // Only if this run's listen has already seen her: its event says so.
                try await restarted.recorder.wait("the presence event behind online", timeout: .seconds(2)) {
                    $0.type == .presence && $0.peer == alice.id && $0.online == true
                }
            } else {
                #expect(early.lastSeen != nil)
                let contact = try await restarted.client.call(.GET, "/v1/accounts/\(bob.id)/contacts/\(alice.id)", as: AccountRuntime.ContactView.self)
                #expect(contact.lastSeen != nil)
                if contact.online == true {
                    // The listen saw her between the two calls: its event says so.
                    try await restarted.recorder.wait("the presence event behind online", timeout: .seconds(2)) {
                        $0.type == .presence && $0.peer == alice.id && $0.online == true
                    }
                }
            }

            _ = try await a.client.call(.POST, "/v1/accounts/\(carol.id)/contacts", body: API.AddContact(peer: bob.id), as: AccountRuntime.ContactView.self)
            let registered = try await restarted.recorder.wait("Bob registered again") { $0.type == .registration && $0.state == "registered" }
            let following = try await restarted.recorder.wait("Bob follows Alice again") { $0.type == .presence && $0.peer == alice.id && $0.online == true }
            let inbox = try await restarted.recorder.wait("Carol's request at Bob") { $0.type == .requestReceived && $0.peer == carol.id }
            let backOnline = ContinuousClock.now - started
            let ms = { (e: DaemonEvent) in e.time - registered.time }
            print("restart: back online after \(backOnline); after registering, following Alice at \(ms(following)) ms, Carol's request in at \(ms(inbox)) ms")
            #expect(backOnline < Self.backOnlineBound, "back online after \(backOnline)")

            // Now confirmed by this run's listen: online.
            let confirmed = try await restarted.client.call(.GET, "/v1/accounts/\(bob.id)/presence", as: API.PresenceList.self).presence
            #expect(confirmed.first { $0.id == alice.id }?.online == true)
        }
    }

    @Test func aRestartKeepsTheDHTPortUnlessItIsTaken() async throws {
        try await withTestNetwork { network in
            let first = TestDaemon(network: network)
            try await first.start()
            let bob = try await first.createAccount("Bob")
            let port = try #require(try await first.client.call(.GET, "/v1/accounts/\(bob.id)", as: API.Account.self).dhtPort)
            await first.stop()

            let second = TestDaemon(network: network, home: first.home.root)
            try await second.start()
            try await second.recorder.wait("registered again") { $0.type == .registration && $0.state == "registered" }
            let again = try await second.client.call(.GET, "/v1/accounts/\(bob.id)", as: API.Account.self).dhtPort
            // The port is ephemeral: between the two runs another socket of the suite may have
            // taken it (and let it go again before any probe here could tell), and then another
            // port is right; alone (`swift test --filter RestartTests`) it is the same port.
            if again != port { print("the DHT port moved from \(port) to \(again.map(String.init) ?? "none"): it was taken at the restart") }
            await second.stop()

            // Someone else holds the port now: the account starts on another one.
            // The stopped daemon's socket may take a moment to go; if the port stays busy, someone
            // else holds it, which is just as taken.
            var holder: UDPHolder?
            _ = try await eventually { holder = try? UDPHolder(port: port); return holder != nil }
            defer { holder?.close() }
            let third = TestDaemon(network: network, home: first.home.root)
            try await third.start()
            try await third.recorder.wait("registered on another port") { $0.type == .registration && $0.state == "registered" }
            let now = try await third.client.call(.GET, "/v1/accounts/\(bob.id)", as: API.Account.self).dhtPort
            #expect(now != nil && now != port)
        }
    }

    /// Alice asks Bob, Bob accepts, Alice sees it confirmed.
    private func befriend(_ alice: API.Account, on a: TestDaemon, _ bob: API.Account, on b: TestDaemon) async throws {
        _ = try await a.client.call(.POST, "/v1/accounts/\(alice.id)/contacts", body: API.AddContact(peer: bob.id), as: AccountRuntime.ContactView.self)
        try await b.recorder.wait("request at Bob") { $0.type == .requestReceived && $0.peer == alice.id }
        _ = try await b.client.call(.POST, "/v1/accounts/\(bob.id)/requests/\(alice.id)/accept", as: AccountRuntime.ContactView.self)
        try await a.recorder.wait("confirmed at Alice") { $0.type == .contactConfirmed && $0.peer == bob.id }
    }
}

/// A plain UDP socket bound on 127.0.0.1:`port` (as another program would hold it).
struct UDPHolder {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard fd >= 0, bound == 0 else { throw TestFailure("cannot hold UDP port \(port)") }
    }

    func close() { _ = Glibc.close(fd) }
}
