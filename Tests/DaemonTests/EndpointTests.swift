@testable import DaemonClient
import DaemonWire
import Foundation
import Testing

/// Each route is defined once (``Endpoint``): the server serves every one of them, the paths a
/// client builds keep whatever a user typed in one segment, and docs/api.md lists exactly these.
@Suite(.timeLimit(.minutes(3)))
struct EndpointTests {
    @Test func pathsAndTemplates() {
        #expect(Endpoint.contact.template == "/v1/accounts/:account/contacts/:peer")
        #expect(Endpoint.contact.description == "GET /v1/accounts/{id}/contacts/{peer}")
        let id = String(repeating: "ab", count: 20)
        #expect(Endpoint.acceptRequest.path(account: id, peer: id) == "/v1/accounts/\(id)/requests/\(id)/accept")
        // Typed text stays one segment, and `..` is no dot segment.
        #expect(Endpoint.contact.path(account: "a/b?c", peer: "..") == "/v1/accounts/a%2Fb%3Fc/contacts/%2E%2E")
        #expect(Endpoint.requests.path(account: id, query: [(Endpoint.Query.limit, "5"), (Endpoint.Query.after, "17:x&y=1")])
            == "/v1/accounts/\(id)/requests?limit=5&after=17%3Ax%26y%3D1")
        #expect(Set(Endpoint.all).count == Endpoint.all.count)
        #expect(Set(Endpoint.all.map { "\($0.method) \($0.template)" }).count == Endpoint.all.count)
    }

    /// The endpoint table in docs/api.md is this one.
    @Test func theDocsListEveryEndpoint() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/api.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let documented = text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            let route = line[line.index(line.startIndex, offsetBy: 3)..<end]
            guard ["GET ", "POST ", "PUT ", "DELETE "].contains(where: route.hasPrefix) else { return nil }
            return String(route.split(separator: "?").first ?? route)
        }
        #expect(documented.sorted() == Endpoint.all.map(\.description).sorted())
    }

    /// Every endpoint reaches a route (any answer but `route.notFound`); the event streams are
    /// left to the tests that read them, since they answer with a stream that stays open.
    @Test func theServerServesEveryEndpoint() async throws {
        try await withAPIServer { api in
            let client = DaemonClient(baseURL: "http://127.0.0.1:\(api.port)", token: api.token)
            let unknown = String(repeating: "c", count: 40)
            for endpoint in Endpoint.all where endpoint != .events && endpoint != .eventStream {
                // Not JSON: a route with a body refuses it before doing anything (no account is made).
                let body = endpoint.method == .post || endpoint.method == .put ? Array("not json".utf8) : nil
                do {
                    _ = try await client.call(endpoint.method.http, endpoint.path(account: unknown, peer: unknown, conversation: unknown, message: unknown), rawBody: body)
                } catch let error as DaemonClientError {
                    #expect(error.code != .noSuchRoute && error.code != nil, "\(endpoint): \(error)")
                }
            }
        }
    }
}
