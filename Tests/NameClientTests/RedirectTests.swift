import Identity
import NameClient
import NameService
import TestSupport
import Testing

/// A name server that redirects to hostile places: every target is checked like a typed URL,
/// loops and long chains are cut after ``NameServerClient/defaultMaxRedirects`` hops, and the
/// client answers with an error instead of trapping in the socket layer (issue 13, finding 7:
/// `302 Location: http://[::1]:99999/` used to crash the daemon).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RedirectTests {
    @Test func hostileRedirectsAreRefusedAndGoodOnesFollowed() async throws {
        let server = try await HostileNameServer.start()
        let client = NameServerClient(server: try ServerURL(server.url), timeout: .seconds(30))  // generous: the suite loads both cores, and a chain is six requests
        // Each case once from its first hop (the chain's and the ping-pong's later hops are reached through it).
        let names = HostileNameServer.cases.keys.filter { (!$0.hasPrefix("chain") || $0 == "chain") && $0 != "pongping" }.sorted()
        for name in names {
            let before = server.requests
            let outcome: Result<NameLookup, NameClientError>
            do throws(NameClientError) { outcome = .success(try await client.lookup(name: name)) } catch { outcome = .failure(error) }
            if HostileNameServer.followed.contains(name) {
                #expect(try outcome.get() == NameLookup(name: name, address: PublicKeyID(hex: HostileNameServer.address)!, verified: false), "\(name)")
            } else {
                guard case .failure(.badRedirect(let why)) = outcome else {
                    Issue.record("\(name): expected a refused redirect, got \(outcome)")
                    continue
                }
                #expect(!why.isEmpty && why.count < 400, "\(name): \(why)")
            }
            // Never more requests than the first one and the allowed hops.
            #expect(server.requests - before <= 1 + NameServerClient.defaultMaxRedirects, "\(name)")
        }
        await server.stop()
    }

    @Test func redirectsCanBeTurnedOff() async throws {
        let server = try await HostileNameServer.start()
        let client = NameServerClient(server: try ServerURL(server.url), maxRedirects: 0)
        await #expect(throws: NameClientError.self) { try await client.lookup(name: "samehost") }
        #expect(server.requests == 1)
        await server.stop()
    }

    @Test func anInvalidServerFailsEveryRequestWithItsReason() async {
        let client = NameServerClient(server: "http://[::1]:65536")
        await #expect(throws: NameClientError.invalidServer("port 65536 is out of range (1-65535)")) { try await client.lookup(name: "alice") }
        await #expect(throws: NameClientError.invalidServer("port 65536 is out of range (1-65535)")) {
            try await client.reverse(address: PublicKeyID(hex: HostileNameServer.address)!)
        }
    }
}
