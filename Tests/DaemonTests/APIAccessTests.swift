import Daemon
import DaemonAPI
import DaemonClient
import DaemonWire
import Foundation
import TestSupport
import Testing

/// Finding 9 of issue 13: who may call the local API. The query token opens the WebSocket only,
/// `Host` must name the loopback address, foreign origins are refused (our web client's origin
/// can be allowed), refusals have their documented statuses, and `api.json` is private.
@Suite(.timeLimit(.minutes(2)))
struct APIAccessTests {
    @Test func theQueryTokenOpensTheWebSocketOnly() async throws {
        try await withAPIServer { api async throws in
            let query = try await api.exchange("/v1/status?access_token=\(api.token)")
            #expect(query.status == 401 && query.body.contains("Authorization header"), "\(query.status) \(query.body)")
            #expect(query.head.lowercased().contains("www-authenticate: bearer"))
            #expect(try await api.exchange("/v1/status", headers: [api.bearer]).status == 200)
            #expect(try await api.exchange("/v1/events/stream?access_token=\(api.token)").status == 401)

            #expect(try await api.webSocketHandshake("/v1/events?access_token=\(api.token)").contains("101"))
            #expect(try await api.webSocketHandshake(headers: [api.bearer]).contains("101"))
            // WebSocket libraries (ours included) send a ws: origin, which no web page has.
            #expect(try await api.webSocketHandshake(headers: [api.bearer, "Origin: ws://127.0.0.1"]).contains("101"))
        }
    }

    @Test func ourOwnClientsWebSocketIsAccepted() async throws {
        try await withAPIServer { api async throws in
            // DaemonClient's WebSocket library sends `Origin: ws://127.0.0.1` and the token in the header.
            let client = DaemonClient(baseURL: "http://127.0.0.1:\(api.port)", token: api.token)
            let watcher = Task { try await client.events { _, _ in true } }
            // The suite's time limit bounds the wait.
            for await n in api.daemon.events.subscriberCounts() where n > 0 { break }
            #expect(try await client.call(.GET, "/v1/status", as: API.Status.self).eventSubscribers == 1)
            watcher.cancel()
        }
    }

    @Test func aWebSocketWithoutTheTokenIsUnauthorized() async throws {
        try await withAPIServer { api async throws in
            #expect(try await api.webSocketHandshake().contains("401"))
            #expect(try await api.webSocketHandshake("/v1/events?access_token=wrong").contains("401"))
            #expect(try await api.webSocketHandshake(headers: ["Authorization: Bearer wrong"]).contains("401"))
        }
    }

    @Test func aForeignHostIsMisdirected() async throws {
        try await withAPIServer { api async throws in
            for host in ["evil.example", "evil.example:\(api.port)", "evil.example@127.0.0.1:\(api.port)", "127.0.0.1.evil.example", "[::2]:\(api.port)"] {
                let answer = try await api.exchange("/v1/status", headers: [api.bearer], host: host)
                #expect(answer.status == 421, "Host \(host): \(answer.status)")
                #expect(try await api.webSocketHandshake("/v1/events?access_token=\(api.token)", host: host).contains("421"), "Host \(host)")
            }
            for host in ["localhost:\(api.port)", "LOCALHOST", "127.0.0.1", "[::1]:\(api.port)"] {
                #expect(try await api.exchange("/v1/status", headers: [api.bearer], host: host).status == 200, "Host \(host)")
            }
            // HTTP/1.0 without any Host.
            let bare = try await RawHTTPAnswer.exchange("GET /v1/status HTTP/1.0\r\n\(api.bearer)\r\nConnection: close\r\n\r\n", on: try api.connect())
            #expect(bare.status == 421)
        }
    }

    @Test func aForeignOriginIsForbidden() async throws {
        try await withAPIServer { api async throws in
            for origin in ["https://evil.example", "null", "http://127.0.0.1:\(api.port + 1)"] {
                let answer = try await api.exchange("/v1/status", headers: [api.bearer, "Origin: \(origin)"])
                #expect(answer.status == 403, "Origin \(origin): \(answer.status)")
                // What the issue saw accepted (101): a page's WebSocket with the token in the query.
                #expect(try await api.webSocketHandshake("/v1/events?access_token=\(api.token)", headers: ["Origin: \(origin)"]).contains("403"))
            }
        }
    }

    @Test func anAllowedOriginGetsCORSAnswers() async throws {
        let web = "http://localhost:5173"
        try await withAPIServer(allowedOrigins: [web]) { api async throws in
            let answer = try await api.exchange("/v1/status", headers: [api.bearer, "Origin: \(web)"])
            #expect(answer.status == 200)
            #expect(answer.head.lowercased().contains("access-control-allow-origin: \(web)"))
            // A preflight carries no token.
            let preflight = try await api.exchange("/v1/status", method: "OPTIONS", headers: ["Origin: \(web)", "Access-Control-Request-Method: GET"])
            #expect(preflight.status == 204 && preflight.head.lowercased().contains("access-control-allow-headers"))
            #expect(try await api.exchange("/v1/status", headers: ["Origin: \(web)"]).status == 401)
            #expect(try await api.webSocketHandshake("/v1/events?access_token=\(api.token)", headers: ["Origin: \(web)"]).contains("101"))
            #expect(try await api.exchange("/v1/status", headers: [api.bearer, "Origin: https://evil.example"]).status == 403)
        }
    }

    @Test func theEndpointFileIsPrivateWhateverTheUmask() async throws {
        let previous = umask(0)
        defer { umask(previous) }
        try await withAPIServer(writeEndpointFile: true) { api async throws in
            var info = stat()
            #expect(stat(api.home.endpointFile.path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600, "api.json has mode \(String(info.st_mode & 0o777, radix: 8))")
            let endpoint = try JSONDecoder().decode(APIEndpoint.self, from: Data(contentsOf: api.home.endpointFile))
            #expect(endpoint.url == "http://127.0.0.1:\(api.port)")
        }
    }
}
