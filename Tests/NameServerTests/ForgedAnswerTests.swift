import Foundation
import Hummingbird
import Identity
import Logging
import NameClient
import NameService
import ServiceLifecycle
import Testing

// Three minutes: the shared key pool (24 RSA keys on one thread) can take long beside the full suite.
/// A lying name server: the client must not believe answers whose key or signature do not
/// match, nor garbage.
@Suite(.timeLimit(.minutes(3)))
struct ForgedAnswerTests {
    @Test func clientRefusesForgedAnswers() async throws {
        let keys = try await TestKeys.pool()
        let alice = keys[0], mallory = keys[1]
        func answer(_ name: String, signedBy key: RSAPrivateKey, over signedName: String? = nil, addr: PublicKeyID? = nil) throws -> String {
            let request = try RegistrationRequest.signed(name: signedName ?? name, accountKey: key)
            let r = NameLookupResponse(name: name, addr: "0x" + (addr ?? key.publicKey.id).hex, publickey: request.publickey, signature: request.signature)
            return String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        }
        let answers: [String: String] = [
            "alice": try answer("alice", signedBy: alice),
            // Alice's key and signature, but the address of Mallory's account.
            "redirect": try answer("redirect", signedBy: alice, addr: mallory.publicKey.id),
            // A genuine signature, but over another name.
            "resigned": try answer("resigned", signedBy: alice, over: "alice"),
            // An answer about another name than the one asked.
            "other": try answer("alice", signedBy: alice),
            "dave": #"{"name":"dave","addr":"0x\#(alice.publicKey.id.hex)"}"#,
            "garbage": "<html>", "zero": #"{"name":"zero","addr":"0x0000000000000000000000000000000000000000"}"#,
        ]
        let router = Router()
        router.get("/name/:name") { _, context -> Response in
            let body = answers[context.parameters.get("name") ?? ""] ?? "{}"
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/addr/:addr") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"name":"NOT A NAME"}"#))) }
        router.get("/fail/name/:name") { _, _ in Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: #"{"error":"server error"}"#))) }
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { sink.yield($0.localAddress?.port ?? 0) }, logger: Logger(label: "liar"))
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "liar")))
        let task = Task { try await group.run() }
        defer { task.cancel() }
        var it = ports.makeAsyncIterator()
        let url = "http://127.0.0.1:\(await it.next() ?? 0)"
        let client = NameServerClient(server: url)

        #expect(try await client.lookup(name: "alice") == NameLookup(name: "alice", address: alice.publicKey.id, verified: true))
        for name in ["redirect", "resigned", "other", "zero"] {
            let outcome: Result<NameLookup, NameClientError> = await { () async -> Result<NameLookup, NameClientError> in
                do throws(NameClientError) { return .success(try await client.lookup(name: name)) } catch { return .failure(error) }
            }()
            guard case .failure(.forgedAnswer) = outcome else {
                Issue.record("\(name): expected a forged answer, got \(outcome)")
                continue
            }
        }
        #expect(try await client.lookup(name: "dave").verified == false)
        await #expect(throws: NameClientError.serverError(status: 200, message: "unreadable answer")) { try await client.lookup(name: "garbage") }
        await #expect(throws: NameClientError.serverError(status: 500, message: "server error")) {
            try await NameServerClient(server: url + "/fail").lookup(name: "alice")
        }
        await #expect { try await client.reverse(address: alice.publicKey.id) } throws: { error in
            if case .forgedAnswer = error as? NameClientError { true } else { false }
        }
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
