@testable import Daemon
@testable import DaemonAPI
@testable import DaemonClient
import DaemonWire
import Foundation
import NameClient
import Testing

/// The typed error model (issue 14): every code has one status, daemon and name-client errors
/// keep their kind as a code, the body carries code and message, and the client decodes both.
@Suite(.timeLimit(.minutes(3)))
struct APIErrorCodeTests {
    @Test func everyCodeHasItsStatus() {
        let expected: [API.ErrorCode: Int] = [
            .invalid: 400, .passwordRequired: 400, .http: 400, .tooLarge: 413, .unauthorized: 401, .wrongPassword: 403, .foreignOrigin: 403,
            .noSuchAccount: 404, .noSuchContact: 404, .noSuchRequest: 404, .nameNotFound: 404, .noSuchRoute: 404, .foreignHost: 421,
            .nameServerUnreachable: 502, .nameServerBadAnswer: 502, .nameServer: 502, .connectionFailed: 502, .noSuchPeer: 404, .noSuchConversation: 404, .noSuchMessage: 404, .noSuchFile: 404, .noSpace: 507, .notAllowed: 403, .network: 503, .storage: 500, .internal: 500,
        ]
        #expect(Set(expected.keys) == Set(API.ErrorCode.allCases))
        for code in API.ErrorCode.allCases {
            #expect(Int(code.status.code) == expected[code], "\(code)")
        }
    }

    /// docs/api.md's table of codes is this one.
    @Test func theDocsListEveryCodeWithItsStatus() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/api.md")
        var documented: [String: String] = [:]
        for line in try String(contentsOf: docs, encoding: .utf8).split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            // Only the code table has a status in its second column.
            guard cells.count >= 2, Int(cells[1]) != nil || cells[1] == "as sent" else { continue }
            for code in cells[0].split(separator: ",") { documented[code.trimmingCharacters(in: CharacterSet(charactersIn: " `"))] = cells[1] }
        }
        #expect(Set(documented.keys) == Set(API.ErrorCode.allCases.map(\.rawValue)))
        for code in API.ErrorCode.allCases where code != .http {
            #expect(documented[code.rawValue] == String(code.status.code), "\(code.rawValue)")
        }
    }

    @Test func daemonErrorsAreACodeAndAContext() {
        let e = DaemonError.noSuchContact("ab")
        #expect(e.code == .noSuchContact && e.context == "ab" && e.description == "ab is not a contact")
        #expect(e == .noSuchContact("ab") && e != .noSuchContact("cd") && e != .noSuchRequest("ab"))
        #expect(e.location.hasPrefix("DaemonTests/APIErrorCodeTests.swift:"))
        #expect(DaemonError.network("account x is not online").code == .network)
        #expect(DaemonError.passwordRequired.code == .passwordRequired && DaemonError.wrongPassword.description == "wrong password")
        #expect(APIError(DaemonError.storage("SQLite error 13")).message == "storage error (the daemon's log has the details)")
    }

    /// Finding 5 of item 3: a lookup's failure reached the API as `.nameServer("\(error)")`.
    @Test func nameClientFailuresKeepTheirKind() {
        let cases: [(NameClientError, API.ErrorCode, Int, String)] = [
            (.notFound, .nameNotFound, 404, "no account is registered as 'bob'"),
            (.unreachable("https://ns.example: connection refused (errno: 111)"), .nameServerUnreachable, 502, "name server: name server unreachable"),
            (.forgedAnswer("bad address zz"), .nameServerBadAnswer, 502, "name server: the name server's answer does not check out (bad address zz); not trusting it"),
            (.serverError(status: 500, message: "<html>"), .nameServerBadAnswer, 502, "name server: name server error 500"),
            (.badRedirect("a redirect loop back to https://ns.example"), .nameServerBadAnswer, 502, "name server: name server redirect not followed"),
            (.rateLimited, .nameServer, 502, "name server: the name server limits registrations from this address; try again later"),
        ]
        for (nameError, code, status, message) in cases {
            let e = DaemonError(nameError, name: "bob")
            #expect(e.code == code, "\(nameError)")
            #expect(Int(e.status.code) == status, "\(nameError)")
            #expect(e.publicMessage == message, "\(nameError)")
        }
    }

    @Test func theClientDecodesTheCodeAndToleratesOthers() throws {
        let body = Array(#"{"error":{"code":"contact.notFound","message":"ab is not a contact"}}"#.utf8)
        #expect(DaemonClientError(status: .notFound, body: body) == .api(status: 404, code: .noSuchContact, message: "ab is not a contact"))
        // A code from a newer daemon, no code (an older one), no JSON at all (a proxy).
        let newer = Array(#"{"error":{"code":"contact.tooMany","message":"m"}}"#.utf8)
        #expect(DaemonClientError(status: .conflict, body: newer) == .api(status: 409, code: nil, message: "m"))
        #expect(DaemonClientError(status: .badRequest, body: Array(#"{"error":{"message":"old"}}"#.utf8)) == .api(status: 400, code: nil, message: "old"))
        #expect(DaemonClientError(status: .badGateway, body: Array("<html>".utf8)) == .api(status: 502, code: nil, message: "Bad Gateway"))
        #expect(DaemonClientError(status: .unauthorized, body: Array(#"{"error":{"code":"access.token","message":"no"}}"#.utf8)).code == .unauthorized)
    }

    /// A real server: every kind of error answer has the body with its code, and the client
    /// turns it into the typed error.
    @Test func errorAnswersCarryTheirCode() async throws {
        try await withAPIServer { api in
            let client = DaemonClient(baseURL: "http://127.0.0.1:\(api.port)", token: api.token)
            let unknown = String(repeating: "a", count: 40)
            let cases: [(Endpoint.Method, String, String?, API.ErrorCode, Int)] = [
                (.get, Endpoint.account.path(account: unknown), nil, .noSuchAccount, 404),
                (.get, Endpoint.contact.path(account: unknown, peer: unknown), nil, .noSuchAccount, 404),
                (.post, Endpoint.addContact.path(account: unknown), "{not json", .invalid, 400),
                (.post, Endpoint.importAccount.path(), #"{"archive": "%%%"}"#, .invalid, 400),
                (.get, "/v1/nothing", nil, .noSuchRoute, 404),
            ]
            for (method, path, body, code, status) in cases {
                let error = await #expect(throws: DaemonClientError.self) {
                    _ = try await client.call(method.http, path, rawBody: body.map { Array($0.utf8) })
                }
                guard case .api(let s, let c, let message) = error else {
                    Issue.record("\(path): \(String(describing: error))")
                    continue
                }
                #expect(s == status && c == code && !message.isEmpty, "\(path): \(s) \(String(describing: c)) \(message)")
            }
            // The body as sent: code and message side by side.
            let raw = try await api.exchange(Endpoint.account.path(account: unknown), headers: [api.bearer])
            let sent = try JSONDecoder().decode(API.ErrorBody.self, from: Data(raw.body.utf8))
            #expect(raw.status == 404 && sent == API.ErrorBody(code: .noSuchAccount, message: "no account \(unknown)"))
            // Refused before any route: the token.
            let refused = try await api.exchange(Endpoint.status.path())
            #expect(refused.status == 401 && refused.body.contains(#""code":"access.token""#), "\(refused.body)")
            await #expect(throws: DaemonClientError.unauthorized("missing or wrong API token (see the daemon's api-token file)")) {
                _ = try await DaemonClient(baseURL: client.baseURL, token: "wrong").call(.status, as: API.Status.self)
            }
        }
    }
}
