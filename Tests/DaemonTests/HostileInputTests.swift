import Contacts
import DHT
import DHTTransport
@testable import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Identity
import SecureDHT
import Testing

/// Bad API requests, forged and malformed inbox values, and a flood of requests: each is refused
/// with a clear error, nothing crashes, and the stored state stays as it was.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct HostileInputTests {
    @Test func badAPIRequestsGetClearErrors() async throws {
        let network = try await TestNetwork()
        let d = TestDaemon(network: network)
        defer { d.remove() }
        try await d.start()
        let me = try await d.createAccount("Me")
        let base = "/v1/accounts/\(me.id)"

        func status(_ method: String, _ path: String, body: String? = nil, token: String? = "default") async -> (Int, String) {
            let client = token == "default" ? d.client! : DaemonClient(baseURL: d.client.baseURL, token: token ?? "")
            do {
                switch method {
                case "POST": _ = try await client.call(.POST, path, rawBody: body.map { Array($0.utf8) })
                case "PUT": _ = try await client.call(.PUT, path, rawBody: body.map { Array($0.utf8) })
                default: _ = try await client.call(.GET, path, rawBody: nil)
                }
                return (200, "")
            } catch .api(let code, _, let message) {
                return (code, message)
            } catch .unauthorized(let message) {
                return (401, message)
            } catch {
                return (-1, "\(error)")
            }
        }

        #expect(await status("GET", "/v1/status", token: nil).0 == 401)
        #expect(await status("GET", "/v1/status", token: String(repeating: "0", count: 64)).0 == 401)
        #expect(await status("POST", base + "/contacts", body: "{not json").0 == 400)
        #expect(await status("POST", base + "/contacts", body: #"{"peer": 42}"#).0 == 400)
        #expect(await status("GET", "/v1/accounts/" + String(repeating: "a", count: 40)).0 == 404)
        #expect(await status("GET", "/v1/accounts/nonsense/contacts").0 == 404)
        #expect(await status("POST", base + "/contacts", body: #"{"peer": "jami:xyz"}"#).0 == 400)
        #expect(await status("POST", base + "/contacts", body: #"{"peer": "\#(me.id)"}"#) == (400, "this is your own account"))
        #expect(await status("POST", base + "/requests/\(String(repeating: "b", count: 40))/accept").0 == 404)
        #expect(await status("POST", base + "/requests/not-an-id/accept").0 == 400)
        #expect(await status("GET", base + "/requests?after=garbage").0 == 400)
        #expect(await status("POST", base + "/contacts/\(String(repeating: "c", count: 40))/unban").0 == 404)
        let huge = String(repeating: "A", count: 80_000)
        #expect(await status("PUT", base + "/profile", body: #"{"displayName": "x", "avatar": "\#(huge)"}"#).0 == 400)
        // A username needs the name server, which is unreachable here: 502 naming it.
        #expect(await status("POST", base + "/contacts", body: #"{"peer": "someone"}"#).0 == 502)
        // Nothing of the above changed the account.
        #expect(try await d.client.call(.GET, base + "/contacts", as: API.ContactList.self).contacts.isEmpty)

        await d.stop()
        await network.stop()
    }

    @Test func forgedAndMalformedInboxValuesAreDropped() async throws {
        let network = try await TestNetwork()
        let d = TestDaemon(network: network)
        defer { d.remove() }
        try await d.start()
        let me = try await d.createAccount("Me")
        try await d.recorder.wait("registered") { $0.type == .registration && $0.state == "registered" }
        let target = try #require(PublicKeyID(hex: me.device))
        let inbox = DeviceDirectory.inbox(of: target)

        // An attacker on the same DHT with a valid account and a device of its own…
        let (archive, device) = try await AccountFactory.create(bits: 2048)
        let attacker = try await Self.node(network, identity: device)
        // …and one whose device certificate is self-signed.
        let loneKey = try RSAPrivateKey.generate(bits: 2048)
        let lone = DeviceIdentity(key: loneKey, chain: CertificateChain([try JamiCertificates.selfSignedCA(key: loneKey)]))
        let forger = try await Self.node(network, identity: lone)

        let deviceKey = try #require(try await attacker.findCertificate(InfoHash(target)).leaf.rsaPublicKey)
        try await attacker.put(inbox, Value(id: 11, cypher: Array(repeating: 7, count: 700)))              // undecryptable
        var wrongService = TrustRequest(payload: VCard.make(displayName: "W"))
        wrongService.service = "not.jami"
        try await attacker.put(inbox, wrongService.value(id: 12).encrypted(to: deviceKey, signedBy: device.key))
        try await attacker.put(inbox, Value(id: 13, type: 4, data: [0xc1, 0xff]).encrypted(to: deviceKey, signedBy: device.key))  // not msgpack
        var forged = try TrustRequest().value(id: 14).encrypted(to: deviceKey, signedBy: device.key)
        forged.cypher?[600] ^= 1                                                                                   // tampered
        try await attacker.put(inbox, forged)
        try await forger.put(inbox, TrustRequest(payload: VCard.make(displayName: "Forger")).value(id: 15).encrypted(to: deviceKey, signedBy: loneKey))

        // Then a real request from the valid account, with a profile over the limit: it is kept,
        // without the profile.
        let big = TrustRequest(payload: Array(repeating: 0x41, count: TrustRequest.maxPayload + 1000))
        try await attacker.put(inbox, big.value(id: 16).encrypted(to: deviceKey, signedBy: device.key))
        // Waiting for nothing more to arrive, and the ban that follows, are checked in virtual time
        // by StackSimulationTests' HostileInboxTests; here the same values cross real UDP.
        try await d.recorder.wait("the valid request") { $0.type == .requestReceived && $0.peer == archive.accountID.hex }
        let page = try await d.client.call(.GET, "/v1/accounts/\(me.id)/requests", as: API.RequestPage.self)
        #expect(page.requests.map(\.from) == [archive.accountID.hex])
        #expect(page.requests.first?.payload == "")
        #expect(d.recorder.all.filter { $0.type == .requestReceived }.count == 1)

        await attacker.shutdown()
        await forger.shutdown()
        await d.stop()
        await network.stop()
    }

    /// 1,000 requests from distinct accounts reach the rules and the store (the network part is
    /// covered above): the pending list stops at the configured cap, pages cleanly, and the first
    /// requests are untouched.
    @Test func aFloodOfRequestsIsCapped() async throws {
        let network = try await TestNetwork()
        let d = TestDaemon(network: network)
        defer { d.remove() }
        try await d.start()
        let me = try await d.createAccount("Me")
        let runtime = try await d.daemon.runtime(me.id)
        var senders: [PublicKeyID] = []
        for i in 0..<1000 {
            let sender = PublicKeyID(spki: Array("sender \(i)".utf8))
            senders.append(sender)
            await runtime.contacts.received(TrustRequest(payload: VCard.make(displayName: "spam \(i)")), from: sender, device: PublicKeyID(spki: [UInt8(i & 0xff)]))
        }
        #expect(try runtime.database.requestCount() == 16)
        let seen = try await Self.pendingSenders(d, account: me.id, pageSize: 5)
        #expect(Set(seen) == Set(senders.prefix(16).map(\.hex)) && seen.count == 16)
        #expect(d.recorder.all.filter { $0.type == .requestReceived }.count == 16)

        await d.stop()
        await network.stop()
    }

    /// Every pending request's sender, read page by page through the API.
    static func pendingSenders(_ d: TestDaemon, account: String, pageSize: Int) async throws -> [String] {
        var seen: [String] = []
        var after: String?
        repeat {
            let path = "/v1/accounts/\(account)/requests?limit=\(pageSize)" + (after.map { "&after=" + $0 } ?? "")
            let page = try await d.client.call(.GET, path, as: API.RequestPage.self)
            seen += page.requests.map(\.from)
            after = page.next
        } while after != nil
        return seen
    }

    static func node(_ network: TestNetwork, identity: DeviceIdentity) async throws -> SecureDHTNode {
        var configuration = DHTNode.Configuration(bindHost: "127.0.0.1", port: 0)
        configuration.dht.lifetimeOverrides = TestNetwork.lifetimes
        configuration.logger.logLevel = .critical
        SecureDHTNode.enforcePolicies(on: &configuration.dht)
        let node = SecureDHTNode(node: try await DHTNode.start(configuration), identity: identity)
        try await node.bootstrap([PeerAddress(hostPort: network.bootstrapAddress)!])
        try await node.publishCertificate()
        return node
    }
}

