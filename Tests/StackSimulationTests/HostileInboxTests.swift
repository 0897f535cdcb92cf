import Contacts
import DHT
import Daemon
import DaemonWire
import Identity
import SecureDHT
import StackSimulation
import Testing

/// Forged, malformed and oversized inbox values, and more requests than the cap, sent to a
/// complete account stack by nodes an attacker runs: each is dropped by the service that owns it,
/// nothing else is stored. Waiting to be sure nothing more arrives costs no real time here.
extension StackSimulationSuite {
@Suite(.timeLimit(.minutes(4)))
struct HostileInboxTests {
    @Test func forgedAndMalformedInboxValuesAreDropped() async throws {
        let pool = try await TestPool.get()
        try await SimulatedWorld.run(accounts: 1, pool: pool, seed: 31) { w in
            try await w.start(0)
            let target = w.device(0).shortID
            let inbox = DeviceDirectory.inbox(of: target)
            // An attacker with a valid account and a device of its own…
            let (archive, device) = (pool.members[1].archive, pool.members[1].device)
            let attacker = try await w.plainNode(identity: device).secure
            // …and one whose device certificate is self-signed (made from another CA key).
            let loneKey = try #require(pool.members[2].archive.caKey)
            let lone = DeviceIdentity(key: loneKey, chain: CertificateChain([try JamiCertificates.selfSignedCA(key: loneKey)]))
            let forger = try await w.plainNode(identity: lone).secure

            let deviceKey = try #require(try await attacker.findCertificate(InfoHash(target)).leaf.rsaPublicKey)
            try await attacker.put(inbox, Value(id: 11, cypher: Array(repeating: 7, count: 700)))                  // undecryptable
            var wrongService = TrustRequest(payload: VCard.make(displayName: "W"))
            wrongService.service = "not.jami"
            try await attacker.put(inbox, wrongService.value(id: 12).encrypted(to: deviceKey, signedBy: device.key))
            try await attacker.put(inbox, Value(id: 13, type: 4, data: [0xc1, 0xff]).encrypted(to: deviceKey, signedBy: device.key))  // not msgpack
            var forged = try TrustRequest().value(id: 14).encrypted(to: deviceKey, signedBy: device.key)
            forged.cypher?[600] ^= 1                                                                                       // tampered
            try await attacker.put(inbox, forged)
            try await forger.put(inbox, TrustRequest(payload: VCard.make(displayName: "Forger")).value(id: 15).encrypted(to: deviceKey, signedBy: loneKey))

            // Then a real request from the valid account: it is kept. (A profile over the limit,
            // a 61 KB value, is covered on loopback by DaemonTests' HostileInputTests.)
            let valid = TrustRequest(payload: VCard.make(displayName: "Valid"))
            try await attacker.put(inbox, valid.value(id: 16).encrypted(to: deviceKey, signedBy: device.key))
            try await w.wait(0, "the valid request") { $0.type == .requestReceived && $0.peer == archive.accountID.hex }
            await w.sleep(.seconds(300))  // the forger's certificate lookups are retried for about 3 minutes
            let page = try w.runtime(0).contacts.requests(limit: 10, after: nil)
            #expect(page.requests.map(\.from) == [archive.accountID])
            #expect(page.requests.first.map { VCard.displayName(in: $0.payload) } == "Valid")
            #expect(w.events(0).filter { $0.type == .requestReceived }.count == 1)

            // Banned: the same account's next request is dropped.
            try await w.runtime(0).contacts.remove(archive.accountID, ban: true)
            try await attacker.put(inbox, TrustRequest().value(id: 17).encrypted(to: deviceKey, signedBy: device.key))
            await w.sleep(.seconds(120))
            #expect(try w.runtime(0).contacts.requests(limit: 10, after: nil).total == 0)
            #expect(w.events(0).filter { $0.type == .requestReceived }.count == 1)
        }
    }

    /// Requests from 23 real accounts (each with its own CA, account and device keys and its
    /// certificate on the DHT) against a cap of 16: 16 are kept and shown, the rest dropped.
    @Test func requestsFromManyRealAccountsStopAtTheCap() async throws {
        let pool = try await TestPool.get()
        try await SimulatedWorld.run(accounts: 1, pool: pool, seed: 32, loss: 0.02, pendingRequestLimit: 16) { w in
            try await w.start(0)
            let target = w.device(0).shortID
            let senders = pool.members[1...23]
            let carrier = try await w.plainNode(identity: senders.first!.device).secure  // safe: 23 members
            let deviceKey = try #require(try await carrier.findCertificate(InfoHash(target)).leaf.rsaPublicKey)
            for (i, member) in senders.enumerated() {
                try await carrier.put(InfoHash(member.device.shortID), CertificateValue.make(member.device.chain), permanent: true)
                let request = TrustRequest(payload: VCard.make(displayName: "flood \(i)")).value(id: UInt64(100 + i))
                try await carrier.put(DeviceDirectory.inbox(of: target), request.encrypted(to: deviceKey, signedBy: member.device.key))
            }
            await w.sleep(.seconds(300))
            let page = try w.runtime(0).contacts.requests(limit: 100, after: nil)
            #expect(page.total == 16 && page.requests.count == 16)
            #expect(Set(page.requests.map(\.from)).isSubset(of: Set(senders.map(\.archive.accountID))))
            #expect(w.events(0).filter { $0.type == .requestReceived }.count == 16)
        }
    }
}
}
