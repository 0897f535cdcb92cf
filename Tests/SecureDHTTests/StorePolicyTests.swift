import DHT
import DHTTransport
import Identity
import Testing
@testable import SecureDHT

/// What a storing node accepts (SecureDht's store and edit policies), driven through `Storage`.
@Suite struct StorePolicyTests {
    static let alice = ValueCryptoTests.alice
    static let bob = ValueCryptoTests.bob
    let sender = PeerAddress(host: "127.0.0.1", port: 4000)!
    let key = InfoHash.hashing(key: "policy")

    func storage() -> Storage {
        var config = DHTConfig()
        config.validator = SecureValueValidator()
        return Storage(config: config)
    }

    @Test func badSignaturesAreNotStoredForSecureTypes() throws {
        var s = storage()
        let good = try Value(id: 1, data: [1, 2]).signed(by: Self.alice.key)
        #expect(s.store(key, good, created: 0, now: 0, from: sender) == .stored)
        var forged = try Value(id: 2, type: 3, data: [1]).signed(by: Self.alice.key)
        forged.data = [2]
        guard case .rejected = s.store(key, forged, created: 0, now: 0, from: sender) else { Issue.record("forged value stored"); return }
        // Unregistered types are not checked, as in OpenDHT; readers still drop the value.
        forged.type = 77
        #expect(s.store(key, forged, created: 0, now: 0, from: sender) == .stored)
    }

    @Test func editsNeedTheSameOwnerAndAHigherSeq() throws {
        var s = storage()
        let v1 = try Value(id: 9, data: [1]).signed(by: Self.alice.key, seq: 5)
        #expect(s.store(key, v1, created: 0, now: 0, from: sender) == .stored)
        #expect(s.store(key, try Value(id: 9, data: [2]).signed(by: Self.alice.key, seq: 5), created: 0, now: 0, from: sender) == .rejected("edit not allowed"))
        #expect(s.store(key, try Value(id: 9, data: [2]).signed(by: Self.alice.key, seq: 4), created: 0, now: 0, from: sender) == .rejected("edit not allowed"))
        #expect(s.store(key, try Value(id: 9, data: [2]).signed(by: Self.bob.key, seq: 6), created: 0, now: 0, from: sender) == .rejected("edit not allowed"))
        #expect(s.store(key, Value(id: 9, data: [2]), created: 0, now: 0, from: sender) == .rejected("edit not allowed"))
        #expect(s.store(key, try Value(id: 9, data: [2]).signed(by: Self.alice.key, seq: 6), created: 0, now: 0, from: sender) == .edited)
        #expect(s.entries(key).first?.value.data == [2])
    }

    @Test func certificatesLiveOnlyAtTheirKeyID() throws {
        var s = storage()
        let cert = CertificateValue.make(Self.alice.chain)
        let home = InfoHash(Self.alice.key.publicKey.id)
        #expect(s.store(home, cert, created: 0, now: 0, from: sender) == .stored)
        #expect(s.store(InfoHash(Self.bob.key.publicKey.id), cert, created: 0, now: 0, from: sender) == .rejected("certificate not at its key id"))
        #expect(s.store(home, CertificateValue.make(Self.bob.chain), created: 0, now: 0, from: sender) == .rejected("certificate not at its key id"))
        #expect(s.store(home, Value(id: 1, type: 8, data: Array("junk".utf8)), created: 0, now: 0, from: sender) == .rejected("certificate not at its key id"))
        // The certificate round-trips through the value and a find.
        #expect(CertificateValue.chain(in: cert, expectedAt: home) == Self.alice.chain)
        #expect(cert.data.prefix(1) == [0xc5])
    }

    @Test func encryptedValuesAreStoredUnchecked() throws {
        var s = storage()
        let sealed = try Value(id: 3, data: [1]).encrypted(to: Self.bob.key.publicKey, signedBy: Self.alice.key)
        #expect(s.store(key, sealed, created: 0, now: 0, from: sender) == .stored)
        #expect(s.store(key, Value(id: 3, cypher: [1, 2, 3]), created: 0, now: 0, from: sender) == .rejected("edit not allowed"))
    }
}

/// Certificates and revocation lists travel between two of our nodes on loopback.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PublicationTests {
    @Test func revocationListIsPublishedAtTheAccountID() async throws {
        let keys = ValueCryptoTests.alice
        let account = keys.chain.leaf
        let device = ValueCryptoTests.bob.chain
        let crl = try RevocationList.sign(entries: [], number: [1], issuer: account, key: keys.key)
            .revoking(leafOf: device, issuer: account, key: keys.key)
        let forged = try RevocationList.sign(entries: [], number: [2], issuer: ValueCryptoTests.bob.chain.leaf, key: ValueCryptoTests.bob.key)
        let a = try await StorePolicyTests.secureNode(identity: keys.identity)
        let b = try await StorePolicyTests.secureNode(identity: nil)
        try await b.bootstrap([a.localAddress])
        #expect(try await a.publishRevocationList(crl, account: account.keyID) >= 1)
        #expect(try await a.publishRevocationList(forged, account: account.keyID) >= 1)
        let found = try await b.revocationLists(for: account)
        #expect(found == [crl])
        #expect(found.first?.contains(serial: device.rawSerial(at: 0)) == true)
        // The certificate too, found by its key id and cached afterwards.
        #expect(try await a.publishCertificate() >= 1)
        #expect(try await b.findCertificate(InfoHash(keys.key.publicKey.id)) == keys.chain)
        await a.shutdown()
        await b.shutdown()
    }

    /// `until` ends a get at the first batch that satisfies it, and only then; a get that never
    /// satisfies it returns everything, as a plain get does.
    @Test func getStopsWhenTheCallerHasEnough() async throws {
        let a = try await DHTNode.start(DHTNode.Configuration(bindHost: "127.0.0.1", port: 0))
        let b = try await DHTNode.start(DHTNode.Configuration(bindHost: "127.0.0.1", port: 0))
        try await b.bootstrap([a.localAddress])
        let key = InfoHash.hashing(key: "until")
        for id: UInt64 in 1...3 { #expect(try await a.put(key, Value(id: id, data: [UInt8(id)])) >= 1) }
        let all = try await b.get(key)
        #expect(Set(all.map(\.id)) == [1, 2, 3])
        let neverEnough = try await b.get(key, query: Query(), onValues: nil, until: { _ in false })
        #expect(Set(neverEnough.map(\.id)) == [1, 2, 3])
        let two = try await b.get(key, query: Query(), onValues: nil, until: { batch in batch.contains { $0.id == 2 } })
        #expect(two.contains { $0.id == 2 })
        // The cancelled operation left nothing behind: the node still answers.
        #expect(Set(try await b.get(key).map(\.id)) == [1, 2, 3])
        await a.shutdown()
        await b.shutdown()
    }
}

extension StorePolicyTests {
    /// A node on loopback whose storage enforces SecureDht's policies.
    static func secureNode(identity: DeviceIdentity?) async throws -> SecureDHTNode {
        var configuration = DHTNode.Configuration(bindHost: "127.0.0.1", port: 0)
        SecureDHTNode.enforcePolicies(on: &configuration.dht)
        return SecureDHTNode(node: try await DHTNode.start(configuration), identity: identity)
    }
}
