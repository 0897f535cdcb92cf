import Foundation
import Identity
import NameClient
import NameServer
import NameService
import Testing

/// The whole protocol against a real server on loopback, once per store.
@Suite(.timeLimit(.minutes(3)))
struct NameServerTests {
    @Test(arguments: Backend.allCases)
    func registerAndLookUp(_ backend: Backend) async throws {
        let keys = try await TestKeys.pool()
        let alice = keys[2], bob = keys[3]
        try await withNameServer(backend) { url async throws in
            let client = NameServerClient(server: url)
            await #expect(throws: NameClientError.notFound) { try await client.lookup(name: "alice") }
            await #expect(throws: NameClientError.notFound) { try await client.reverse(address: alice.publicKey.id) }

            try await client.register(name: "Alice", accountKey: alice)
            let found = try await client.lookup(name: "ALICE")
            #expect(found == NameLookup(name: "alice", address: alice.publicKey.id, verified: true))
            #expect(try await client.reverse(address: alice.publicKey.id) == "alice")

            // Repeating one's own registration is harmless; the name stays the account's.
            try await client.register(name: "alice", accountKey: alice)
            // Another account cannot take it, in any case.
            await #expect(throws: NameClientError.taken("the name belongs to another account")) {
                try await client.register(name: "aLiCe", accountKey: bob)
            }
            // An account keeps its first name.
            await #expect(throws: NameClientError.taken("this account already has the name alice")) {
                try await client.register(name: "alice2", accountKey: alice)
            }

            // The reference server's single-field lookups, and its JSON shapes.
            let record = try await raw("GET", url + "/name/alice")
            #expect(record.status == 200)
            #expect(record.json["addr"] as? String == "0x" + alice.publicKey.id.hex)
            #expect(record.headers["content-type"] == "application/json")
            #expect(try await raw("GET", url + "/name/alice/owner").json["owner"] as? String == "0x" + alice.publicKey.id.hex)
            #expect(try await raw("GET", url + "/name/alice/publickey").json["publickey"] as? String == record.json["publickey"] as? String)
            #expect(try await raw("GET", url + "/name/alice/signature").status == 200)
            #expect(try await raw("GET", url + "/name/nobody/signature").status == 404)
            #expect(try await raw("GET", url + "/addr/0x" + alice.publicKey.id.hex.uppercased()).json["name"] as? String == "alice")
            let missing = try await raw("GET", url + "/name/nobody")
            #expect(missing.status == 404 && missing.json["error"] as? String == "name not registered")
            #expect(try await raw("GET", url + "/addr/" + bob.publicKey.id.hex).json["error"] as? String == "address not registered")
        }
    }

    @Test(arguments: Backend.allCases)
    func hostileRegistrationsAreRefused(_ backend: Backend) async throws {
        let keys = try await TestKeys.pool()
        let alice = keys[4], mallory = keys[5]
        try await withNameServer(backend) { url async throws in
            func post(_ name: String, _ body: [UInt8]) async throws -> RawReply { try await raw("POST", url + "/name/" + name, body: body) }
            func encoded(_ r: RegistrationRequest) throws -> [UInt8] { Array(try JSONEncoder().encode(r)) }
            let good = try RegistrationRequest.signed(name: "alice", accountKey: alice)

            for name in ["ab", String(repeating: "x", count: 33), "al%20ice", "al.ice", "%C3%A5lice"] {
                let r = try await post(name, try encoded(good))
                #expect(r.status == 400 && r.json["error"] as? String == "invalid name", "\(name): \(r.body)")
            }
            // Signed for another name, or by another key, or claiming another address.
            #expect(try await post("alicia", try encoded(good)).status == 401)
            var stolen = try RegistrationRequest.signed(name: "alice", accountKey: mallory)
            stolen.addr = alice.publicKey.id.hex
            let mismatch = try await post("alice", try encoded(stolen))
            #expect(mismatch.status == 401 && mismatch.json["error"] as? String == "publickey does not match addr")
            var unsigned = good
            unsigned.signature = nil
            unsigned.publickey = nil
            #expect(try await post("alice", try encoded(unsigned)).status == 400)

            // Not JSON, the wrong JSON, and far too much of it.
            for body in ["{", "[]", "null", #"{"addr": 5}"#, "\u{FF}\u{FE}"] {
                let r = try await post("alice", Array(body.utf8))
                #expect(r.status == 400 && r.json["success"] as? Bool == false, "\(body): \(r.body)")
            }
            let huge = try await post("alice", Array(repeating: UInt8(ascii: " "), count: 200_000))
            #expect(huge.status == 413)

            #expect(try await raw("GET", url + "/addr/xyz").status == 400)
            #expect(try await raw("GET", url + "/name/a").status == 400)

            // None of it stored anything; the genuine request still works.
            #expect(try await raw("GET", url + "/health").json["names"] as? String == "0")
            #expect(try await post("alice", try encoded(good)).status == 200)
            #expect(try await raw("GET", url + "/health").json["names"] as? String == "1")
            let metrics = try await raw("GET", url + "/metrics").body
            #expect(metrics.contains(#"nameserver_registrations_total{outcome="registered"} 1"#))
            #expect(metrics.contains(#"nameserver_registrations_total{outcome="rejected"}"#))
        }
    }

    /// Many accounts race for one name (and one account races for many names): exactly one
    /// registration of each wins, and the database holds exactly the winners.
    @Test(arguments: Backend.allCases)
    func concurrentRegistrationsHaveOneWinner(_ backend: Backend) async throws {
        let keys = try await TestKeys.pool()
        let racers = Array(keys[6..<22])
        try await withNameServer(backend, cache: 0) { url async throws in
            let client = NameServerClient(server: url)
            let results = await withTaskGroup(of: Result<PublicKeyID, NameClientError>.self) { group in
                for key in racers {
                    group.addTask {
                        do throws(NameClientError) {
                            try await client.register(name: "contested", accountKey: key)
                            return .success(key.publicKey.id)
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            #expect(results.filter { if case .failure(.taken) = $0 { true } else { false } }.count == racers.count - 1)
            #expect(try await client.lookup(name: "contested").address == winners.first)

            // One account asking for many names at once gets exactly one of them.
            let solo = keys[22]
            let names = (0..<12).map { "solo-\($0)" }
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for name in names { group.addTask { (try? await client.register(name: name, accountKey: solo)) != nil } }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(outcomes == 1)
            #expect(try await raw("GET", url + "/health").json["names"] as? String == "2")
        }
    }

    @Test(arguments: Backend.allCases)
    func namesSurviveRestarts(_ backend: Backend) async throws {
        let keys = try await TestKeys.pool()
        let key = keys[23]
        let storage = try await TestStorage.make(backend)
        do {
            try await withNameServer(storage.storage) { url async throws in
                try await NameServerClient(server: url).register(name: "durable", accountKey: key)
            }
            try await withNameServer(storage.storage) { url async throws in
                let client = NameServerClient(server: url)
                #expect(try await client.lookup(name: "durable").address == key.publicKey.id)
                await #expect(throws: NameClientError.taken("the name belongs to another account")) {
                    try await client.register(name: "durable", accountKey: keys[0])
                }
            }
        } catch {
            await storage.cleanup()
            throw error
        }
        await storage.cleanup()
    }

    @Test func registrationsAreRateLimitedPerClient() async throws {
        let keys = try await TestKeys.pool()
        try await withNameServer(.sqlite, rateLimit: .init(burst: 2, interval: .seconds(3600))) { url async throws in
            let client = NameServerClient(server: url)
            try await client.register(name: "first", accountKey: keys[0])
            try await client.register(name: "second", accountKey: keys[1])
            await #expect(throws: NameClientError.rateLimited) { try await client.register(name: "third", accountKey: keys[2]) }
            let refused = try await raw("POST", url + "/name/third", body: Array("{}".utf8))
            #expect(refused.status == 429 && Int(refused.headers["retry-after"] ?? "") ?? 0 > 0)
            // Lookups are not limited.
            #expect(try await client.lookup(name: "second").address == keys[1].publicKey.id)
        }
    }

    @Test func unreachableServerIsReported() async throws {
        let client = NameServerClient(server: "http://127.0.0.1:9", timeout: .seconds(5))
        await #expect {
            try await client.lookup(name: "alice")
        } throws: { error in
            if case .unreachable = error as? NameClientError { true } else { false }
        }
    }
}
