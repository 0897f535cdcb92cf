import DHT
import DHTTransport
import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Identity
import SecureDHT
import Testing

/// Our trust request keeps going out until the peer's device has it (finding 13 of issue 13):
/// a request put once and then lost by the network is put again, and a daemon that stops
/// resumes the deliveries it had not finished.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DeliveryTests {
    /// Alice's request reaches the DHT while Bob's daemon is down; the only node storing it
    /// then restarts empty. Bob comes back and gets it all the same: Alice puts it again.
    @Test func aRequestLostByTheNetworkIsPutAgain() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await aliceAndBob(on: network)
            await b.stop()

            // Bob's announcement is still on the DHT: Alice's request goes to his inbox, stored
            // only on the bootstrap node (Bob's node is down).
            _ = try await a.client.call(.POST, "/v1/accounts/\(alice.id)/contacts", body: API.AddContact(peer: bob.id), as: AccountRuntime.ContactView.self)
            try await a.recorder.wait("request put", timeout: .seconds(30)) { $0.type == .requestSent && $0.peer == bob.id }
            try await network.restartBootstrap()

            let back = TestDaemon(network: network, home: b.home.root)
            try await back.start()
            let received = try await back.recorder.wait("Alice's request at Bob after the network lost it", timeout: .seconds(60)) {
                $0.type == .requestReceived && $0.peer == alice.id
            }
            #expect(received.displayName == "Alice")

            // Once Bob accepts, Alice stops putting it.
            _ = try await back.client.call(.POST, "/v1/accounts/\(bob.id)/requests/\(alice.id)/accept", as: AccountRuntime.ContactView.self)
            // Two minutes: the bootstrap restarted empty, so Alice's inbox listen is found again
            // only at its next refresh, later still when the full suite loads the cores.
            try await a.recorder.wait("confirmed at Alice", timeout: .seconds(120)) { $0.type == .contactConfirmed && $0.peer == bob.id }
            await a.stop()
            #expect(try outgoing(of: alice, in: a).isEmpty)
        }
    }

    /// Alice's daemon stops with her request still undelivered: the schedule is on disk, and the
    /// next run resumes it without sealing a new request.
    @Test func aRestartResumesTheDeliveries() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await aliceAndBob(on: network)
            await b.stop()
            _ = try await a.client.call(.POST, "/v1/accounts/\(alice.id)/contacts", body: API.AddContact(peer: bob.id), as: AccountRuntime.ContactView.self)
            try await a.recorder.wait("request put", timeout: .seconds(30)) { $0.type == .requestSent && $0.peer == bob.id }
            await a.stop()
            let kept = try outgoing(of: alice, in: a)
            #expect(kept.map(\.peer) == [try #require(PublicKeyID(hex: bob.id))])

            try await network.restartBootstrap()
            let bobBack = TestDaemon(network: network, home: b.home.root)
            try await bobBack.start()
            let aliceBack = TestDaemon(network: network, home: a.home.root)
            try await aliceBack.start()
            try await bobBack.recorder.wait("the resumed request at Bob", timeout: .seconds(60)) { $0.type == .requestReceived && $0.peer == alice.id }
            await aliceBack.stop()
            // The same sealed value, put again (no new one was made).
            #expect(try outgoing(of: alice, in: aliceBack).map(\.value) == kept.map(\.value))
        }
    }

    @Test func theScheduleGrowsThreefoldUpToAnHour() {
        let schedule = DeliverySchedule()
        #expect((1...8).map { schedule.delay(afterAttempt: $0) / 1000 } == [5, 15, 45, 135, 405, 1215, 3600, 3600])
        #expect(schedule.delay(afterAttempt: 1_000_000) == 3_600_000)
        #expect((1..<schedule.attempts).reduce(0) { $0 + schedule.delay(afterAttempt: $1) } / 1000 == 19_820)
    }

    /// Alice and Bob, each on a daemon of their own, both registered.
    private func aliceAndBob(on network: TestNetwork) async throws -> (TestDaemon, TestDaemon, API.Account, API.Account) {
        let a = TestDaemon(network: network), b = TestDaemon(network: network)
        try await a.start()
        try await b.start()
        let alice = try await a.createAccount("Alice"), bob = try await b.createAccount("Bob")
        try await b.recorder.wait("Bob registered") { $0.type == .registration && $0.state == "registered" }
        try await a.recorder.wait("Alice registered") { $0.type == .registration && $0.state == "registered" }
        return (a, b, alice, bob)
    }

    /// The requests `account` is still delivering, read from its database (the daemon stopped).
    private func outgoing(of account: API.Account, in daemon: TestDaemon) throws -> [AccountDatabase.OutgoingRequest] {
        let path = daemon.home.accounts.appendingPathComponent(account.id).appendingPathComponent("rafiki.sqlite").path
        return try AccountDatabase(path: path).outgoing()
    }
}
