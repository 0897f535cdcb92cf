import Daemon
import DaemonClient
import DaemonWire
import Foundation
import TestSupport
import Testing

/// Hosts, ports and URLs from users and from the network, thrown at a running daemon (issue 13,
/// finding 7): `alice@[::1]:99999` in a contact request, and a name server whose redirects lead
/// to out-of-range ports, credentials, non-ASCII hosts, loops and long chains. Each is refused
/// with a clear error and the daemon keeps answering.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct HostileAddressTests {
    static let hostilePeers = [
        "alice@[::1]:99999", "alice@[::1]:65536", "alice@[::1]:0", "alice@127.0.0.1:4294967297", "alice@host:+80", "alice@host:-1",
        "alice@user:pw@127.0.0.1", "alice@bücher.de", "alice@" + String(repeating: "a", count: 300), "alice@" + String(repeating: "a", count: 64) + ".org",
        "alice@127.1", "alice@0x7f.0.0.1", "alice@[fe80::1%25eth0]", "alice@::1", "alice@host/path", "alice@", "alice@ho\u{0}st",
        "alice@" + String(repeating: "a.", count: 2000) + "org",
    ]

    @Test func hostileAddressesAreRefusedAndTheDaemonStaysUp() async throws {
        let server = try await HostileNameServer.start()
        let network = try await TestNetwork()
        let d = TestDaemon(network: network, nameServer: server.url)
        defer { d.remove() }
        do {
            try await d.start()
            try await throwHostileList(at: d, server: server)
        } catch {
            await d.stop()
            await network.stop()
            await server.stop()
            throw error
        }
        await d.stop()
        await network.stop()
        await server.stop()
    }

    private func throwHostileList(at d: TestDaemon, server: HostileNameServer) async throws {
        let me = try await d.createAccount("Me")
        let contacts = "/v1/accounts/\(me.id)/contacts"
        func add(_ peer: String) async -> (status: Int, message: String) {
            do {
                _ = try await d.client.call(.POST, contacts, body: API.AddContact(peer: peer))
                return (200, "")
            } catch .api(let status, _, let message) {
                return (status, message)
            } catch {
                return (-1, "\(error)")
            }
        }
        func stillUp() async throws {
            let status = try await d.client.call(.GET, "/v1/status", as: API.Status.self)
            #expect(status.accounts == 1)
        }

        // Typed or pasted references naming a hostile server: refused before any connection.
        for peer in Self.hostilePeers {
            let (status, message) = await add(peer)
            #expect(status == 400, "\(peer.prefix(40)): \(status) \(message)")
            #expect(message.contains("name server") && message.count < 400, "\(peer.prefix(40)): \(message)")
            try await stillUp()
        }
        // Names the configured server redirects somewhere hostile: 502 naming the redirect.
        let redirected = HostileNameServer.cases.keys.filter { (!$0.hasPrefix("chain") || $0 == "chain") && $0 != "pongping" }.sorted()
        for name in redirected where !HostileNameServer.followed.contains(name) {
            let before = server.requests
            let (status, message) = await add(name)
            #expect(status == 502 && message.contains("redirect"), "\(name): \(status) \(message)")
            #expect(server.requests - before <= 4, "\(name)")
            try await stillUp()
        }
        // A redirect on the same server is followed, and the contact added.
        for name in HostileNameServer.followed.sorted() {
            let (status, message) = await add(name)
            #expect(status == 200, "\(name): \(status) \(message)")
        }
        let list = try await d.client.call(.GET, contacts, as: API.ContactList.self).contacts
        #expect(list.map(\.id) == [HostileNameServer.address])
        try await stillUp()
    }
}
