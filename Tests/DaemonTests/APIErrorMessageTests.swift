import Daemon
@testable import DaemonAPI
import DaemonClient
import DaemonWire
import Foundation
import Testing

/// Finding 9 of issue 13: error answers carry our own words, never a library's description
/// (BoringSSL's, NIO's socket errors, ASN.1 parsers'); the detail stays in the daemon's log.
@Suite(.timeLimit(.minutes(3)))
struct APIErrorMessageTests {
    static let libraryMarkers = ["BoringSSL", "NIOSSL", "SSLError", "SocketAddressError", "UnknownHost", "IOError", "ASN1Error", "DecodingError", "handshakeFailed"]

    @Test func messagesKeepOurContextAndDropWrappedErrors() {
        let cases: [(DaemonError, String)] = [
            (.nameServer("name server unreachable: https://127.0.0.1:7310: handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER]))"),
             "name server: name server unreachable"),
            (.nameServer("name server unreachable: https://nowhere.invalid: SocketAddressError.UnknownHost(name: \"nowhere.invalid\", port: 443)"),
             "name server: name server unreachable"),
            (.nameServer("name server error 500: <html>whatever the server says</html>"), "name server: name server error 500"),
            (.invalid("malformed data: certificate: ASN1Error.invalidASN1Object: Unexpected tag"), "malformed data: certificate"),
            (.invalid("'bob!' is not a Jami id, jami: URI or username"), "'bob!' is not a Jami id, jami: URI or username"),
            (.invalid("this is your own account"), "this is your own account"),
            (.network("cannot start the DHT node: bind(descriptor:ptr:bytes:): Address already in use (errno: 98)"), "cannot start the DHT node"),
            (.storage("SQLite error 13: database or disk is full"), "storage error (the daemon's log has the details)"),
            (.noSuchAccount("abc"), "no account abc"),
        ]
        for (error, message) in cases {
            #expect(error.publicMessage == message)
        }
    }

    @Test func aNameServerSpeakingPlainHTTPGivesOurMessage() async throws {
        let network = try await TestNetwork()
        let d = TestDaemon(network: network)
        defer { d.remove() }
        try await d.start()
        let me = try await d.createAccount("Alice")
        let port = try #require(URLComponents(string: d.client.baseURL)?.port)
        // user@host asks https://host, here the daemon's own plain-HTTP API: the TLS handshake fails.
        let refused = await #expect(throws: DaemonClientError.self) {
            _ = try await d.client.call(.POST, "/v1/accounts/\(me.id)/contacts", body: API.AddContact(peer: "bob@127.0.0.1:\(port)"))
        }
        if case .api(let status, let code, let message) = refused {
            #expect(status == 502 && code == .nameServerUnreachable)
            #expect(message == "name server: name server unreachable", "\(message)")
            #expect(!Self.libraryMarkers.contains { message.contains($0) }, "\(message)")
        } else {
            Issue.record("unexpected \(String(describing: refused))")
        }

        // A garbage archive: whatever the parser says, no library text.
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: ($0 * 7919) ^ ($0 >> 3)) }).base64EncodedString()
        let bad = await #expect(throws: DaemonClientError.self) {
            _ = try await d.client.call(.POST, "/v1/accounts/import", body: API.ImportAccount(archive: garbage))
        }
        if case .api(let status, _, let message) = bad {
            #expect(status == 400)
            #expect(!Self.libraryMarkers.contains { message.contains($0) }, "\(message)")
        }
        await d.stop()
        await network.stop()
    }
}
