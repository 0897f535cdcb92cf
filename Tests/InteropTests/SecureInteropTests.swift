import DHT
import DHTTransport
import Foundation
import Identity
import SecureDHT
import Testing

/// SecureDht against real OpenDHT 2.4.12 (the harness's libopendht-c2 backend for identities):
/// signatures, encryption and certificates, both ways. Our identity is a Jami device (CA →
/// account → device chain); theirs is the harness's self-signed RSA-4096 `gen-identity`.
@Suite(.serialized, .timeLimit(.minutes(4)), .stopsChildren)
struct SecureInteropTests {
    /// Made once: three RSA-4096 keys take a few seconds.
    static let ours = OurIdentity()

    /// The harness's identity folder and its public-key id.
    static let theirs = TheirIdentity()

    func ourNode(bootstrap: PeerAddress, withIdentity: Bool = true) async throws -> SecureDHTNode {
        try await ourNodes(bootstrap: bootstrap, withIdentity: withIdentity).secure
    }

    /// Our secure node, and the plain node under it (to put and read values unchecked).
    func ourNodes(bootstrap: PeerAddress, withIdentity: Bool = true) async throws -> (secure: SecureDHTNode, raw: DHTNode) {
        let identity = withIdentity ? try await Self.ours.get() : nil
        let nodes = try await Self.secureNode(identity: identity)
        try await nodes.secure.bootstrap([bootstrap])
        return nodes
    }

    /// A node on loopback whose storage enforces SecureDht's policies, and the plain node under it.
    static func secureNode(identity: DeviceIdentity?) async throws -> (secure: SecureDHTNode, raw: DHTNode) {
        var configuration = DHTNode.Configuration(bindHost: "127.0.0.1", port: 0)
        SecureDHTNode.enforcePolicies(on: &configuration.dht)
        let raw = try await DHTNode.start(configuration)
        return (SecureDHTNode(node: raw, identity: identity), raw)
    }

    @Test func signedValuesCrossBothWays() async throws {
        let theirs = try await Self.theirs.get()
        let (server, address) = try await ReferencePeer.serve(seconds: 60)
        let (node, raw) = try await ourNodes(bootstrap: address)
        let ourPK = try #require(node.publicKeyID).hex

        #expect(try await node.putSigned(.hashing(key: "signed-ours"), Value(id: 11, data: Array("signed by rafiki".utf8))) >= 1)
        let theirGet = try await ReferencePeer.run(["--bootstrap", address.description, "get", "--key", "signed-ours", "--identity-dir", theirs.dir, "--expect", "1"])
        let seen = theirGet.events("value").first
        #expect(seen?["data_utf8"] as? String == "signed by rafiki")
        #expect(seen?["owner"] as? String == ourPK)

        let put = try await ReferencePeer.run(["--bootstrap", address.description, "put-signed", "--key", "signed-theirs", "--data", "signed by opendht", "--identity-dir", theirs.dir])
        #expect(put.status == 0)
        let got = try await node.get(.hashing(key: "signed-theirs"))
        #expect(got.map { String(decoding: $0.data, as: UTF8.self) } == ["signed by opendht"])
        #expect(got.first?.ownerID?.hex == theirs.pk)
        #expect(got.first?.isSigned == true)

        // A forged copy (data changed, signature kept) of a secure type: OpenDHT's storing node
        // refuses it, so nobody finds it.
        var forged = try #require(got.first)
        forged.id = 12
        forged.data = Array("forged".utf8)
        _ = try await raw.put(.hashing(key: "forged-0"), forged)
        let theirForgedGet = try await ReferencePeer.run(["--bootstrap", address.description, "get", "--key", "forged-0"])
        #expect(theirForgedGet.events("value").isEmpty)
        // Of an unregistered type, storing nodes keep it unchecked; our reader drops it.
        forged.type = 77
        #expect(try await raw.put(.hashing(key: "forged-77"), forged) >= 1)
        let (newcomer, rawNewcomer) = try await ourNodes(bootstrap: address, withIdentity: false)
        #expect(try await rawNewcomer.get(.hashing(key: "forged-77")).count == 1)
        #expect(try await newcomer.get(.hashing(key: "forged-77")).isEmpty)
        #expect(newcomer.droppedValues == 1)
        await newcomer.shutdown()
        await node.shutdown()
        await server.stop()
    }

    @Test func encryptedValuesCrossBothWays() async throws {
        let theirs = try await Self.theirs.get()
        let (server, address) = try await ReferencePeer.serve(seconds: 90)
        let node = try await ourNode(bootstrap: address)
        let ourPK = try #require(node.publicKeyID)
        #expect(try await node.publishCertificate() >= 1)

        // OpenDHT → us: it finds our certificate on the DHT, encrypts to our device key.
        let put = try await ReferencePeer.run([
            "--bootstrap", address.description, "put-encrypted", "--key", "enc-theirs", "--to", ourPK.hex,
            "--data", "secret for rafiki", "--identity-dir", theirs.dir,
        ])
        #expect(put.status == 0)
        let got = try await node.get(.hashing(key: "enc-theirs"))
        #expect(got.map { String(decoding: $0.data, as: UTF8.self) } == ["secret for rafiki"])
        #expect(got.first?.recipient == ourPK)
        #expect(got.first?.ownerID?.hex == theirs.pk)

        // Us → OpenDHT: a listener with its identity publishes its certificate; we find it,
        // encrypt to it, and it decrypts.
        let listener = try ReferencePeer(["--bootstrap", address.description, "listen", "--key", "enc-ours", "--identity-dir", theirs.dir, "--duration", "40", "--count", "1"])
        _ = await listener.waitFor { $0["event"] as? String == "listening" }
        let theirPK = try #require(InfoHash(hex: theirs.pk))
        var stored = 0
        for _ in 0..<40 where stored == 0 {
            stored = (try? await node.putEncrypted(.hashing(key: "enc-ours"), to: theirPK, Value(id: 21, data: Array("secret for opendht".utf8)))) ?? 0
            if stored == 0 { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(stored >= 1)
        let value = await listener.waitFor(.seconds(30)) { $0["event"] as? String == "value" }
        #expect(value?["data_utf8"] as? String == "secret for opendht")
        #expect(value?["owner"] as? String == ourPK.hex)
        #expect(value?["recipient"] as? String == theirPK.hex)
        await listener.wait()
        await node.shutdown()
        await server.stop()
    }

    @Test func certificatesAreFoundBothWays() async throws {
        let (bootstrap, _) = try await Self.secureNode(identity: nil)
        let address = PeerAddress(host: "127.0.0.1", port: bootstrap.localAddress.port)!
        // OpenDHT with an identity publishes its certificate once it has a good node.
        let theirNode = try ReferencePeer(["--bootstrap", address.description, "serve", "--duration", "60", "--with-identity"])
        let pk = try #require(await theirNode.waitFor { $0["event"] as? String == "ready" }?["pk_id"] as? String)
        let node = try await ourNode(bootstrap: address)
        var found: CertificateChain?
        for _ in 0..<40 where found == nil {
            found = try? await node.findCertificate(try #require(InfoHash(hex: pk)))
            if found == nil { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(found?.leaf.keyID.hex == pk)

        // Ours, a three-certificate Jami chain, as OpenDHT reads it from the DHT.
        #expect(try await node.publishCertificate() >= 1)
        let get = try await ReferencePeer.run(["--bootstrap", address.description, "get", "--hash", node.publicKeyID!.hex, "--type", "8", "--expect", "1"])
        let hex = try #require(get.events("value").first?["data_hex"] as? String)
        #expect(hex.hasPrefix("c5"))
        #expect(hex.contains(Array("-----BEGIN CERTIFICATE-----".utf8).map { String(format: "%02x", $0) }.joined()))
        await node.shutdown()
        await bootstrap.shutdown()
        await theirNode.stop()
    }
}

/// The harness's `gen-identity` (RSA-4096, self-signed), made on first use and shared by the suite's tests.
actor TheirIdentity {
    private var made: (dir: String, pk: String)?

    func get() async throws -> (dir: String, pk: String) {
        if let made { return made }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("theirs-\(UUID().uuidString)").path
        // An RSA-4096 key in Python beside the full suite: two minutes (it took over one once).
        let p = try await ReferencePeer.run(["gen-identity", "--out", dir], timeout: .seconds(120))
        let pk = try #require(p.events("identity").first?["pk_id"] as? String, "gen-identity failed (exit \(p.status ?? -1))")
        made = (dir, pk)
        return (dir, pk)
    }
}

/// A Jami device identity, made on first use and shared by the suite's tests.
actor OurIdentity {
    private var identity: DeviceIdentity?

    func get() async throws -> DeviceIdentity {
        if let identity { return identity }
        let made = try await AccountFactory.create().device
        identity = made
        return made
    }
}
