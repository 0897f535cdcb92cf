import Connectivity
@testable import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Identity
import Testing

/// A device its own account revoked gets no socket: Alice's account has a second device (an
/// import of her archive on a third daemon), then revokes it with a CRL on the DHT, as Jami
/// does. Bob refuses the revoked device's request and will not dial it; Alice's first device
/// still connects.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct RevokedPeerTests {
    @Test func aRevokedDeviceIsRefusedBothWays() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            let exported = try await a.daemon.exportAccount(alice.id)
            let c = TestDaemon(network: network)
            try await c.start()
            let oldPhone = try await c.daemon.importAccount(archive: exported.archive, password: nil, deviceName: "old phone")
            try await c.recorder.wait("the old phone registered") { $0.type == .registration && $0.state == "registered" }
            let revoked = oldPhone.device.shortID

            let archive = try ArchiveFile.open(exported.archive, password: nil)
            let (issuer, key) = (archive.accountCertificate, archive.accountKey)
            let crl = try RevocationList.sign(entries: [], number: RevocationList.randomNumber(), issuer: issuer, key: key)
                .revoking(leafOf: oldPhone.device.chain, issuer: issuer, key: key)
            let node = try #require(await a.daemon.runtime(alice.id).online?.node)
            #expect(try await node.publishRevocationList(crl, account: archive.accountID) > 0)

            // The old phone does not know; it asks Bob, who checks the chain against the CRL.
            let attempt = Task { try? await c.client.call(.connectPeer, account: alice.id, body: API.ConnectPeer(peer: bob.device), as: API.PeerList.self) }
            defer { attempt.cancel() }
            let refused = try await b.recorder.wait("the revoked device refused at Bob") {
                $0.type == .connectionState && $0.device == revoked.hex && $0.state == "failed"
            }
            #expect(refused.detail?.contains("revoked") == true, "\(refused.detail ?? "no detail")")
            _ = try await c.client.call(.disconnectPeer, account: alice.id, peer: bob.device)

            // Bob does not dial it either.
            await #expect { _ = try await b.client.call(.connectPeer, account: bob.id, body: API.ConnectPeer(peer: revoked.hex), as: API.PeerList.self) }
                throws: { "\($0)".contains("revoked") }
            #expect(!b.recorder.all.contains { $0.type == .connectionState && $0.device == revoked.hex && $0.state == "connected" })

            // Alice's own device is still hers.
            let rows = try await a.client.call(.connectPeer, account: alice.id, body: API.ConnectPeer(peer: bob.device), as: API.PeerList.self).peers
            #expect(rows.map(\.state) == [.connected])
        }
    }
}
