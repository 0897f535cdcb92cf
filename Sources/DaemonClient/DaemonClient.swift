import AsyncHTTPClient
import DaemonWire
import Foundation
import HTTPTypes
import Logging
import NameService
import NIOCore
import NIOHTTP1
import WSClient

/// A connection to a running `rafikid`, found through its home folder (`api.json` and
/// `api-token`). Used by the CLI and the tests.
public struct DaemonClient: Sendable {
    public let baseURL: String
    let token: String
    let socket: String?

    public init(baseURL: String, token: String, socket: String? = nil) {
        (self.baseURL, self.token, self.socket) = (baseURL, token, socket)
    }

    /// The daemon whose home is `home`; fails with a hint when it is not running.
    public static func connect(home: DaemonHome) throws(DaemonClientError) -> DaemonClient {
        guard let data = FileManager.default.contents(atPath: home.endpointFile.path),
              let endpoint = try? JSONDecoder().decode(APIEndpoint.self, from: data), kill(endpoint.pid, 0) == 0 || errno == EPERM
        else { throw .notRunning(home.root.path) }
        guard let token = FileManager.default.contents(atPath: home.tokenFile.path) else {
            throw .unauthorized("cannot read \(home.tokenFile.path)")
        }
        let t = String(decoding: token, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let socket = endpoint.socket { return DaemonClient(unixSocket: socket, token: t) }
        // The file is read from disk like any other input: a port above 65535 in it would
        // otherwise trap in the socket layer (issue 13, finding 7).
        let url: ServerURL
        do { url = try ServerURL(endpoint.url ?? "") } catch { throw .invalidEndpoint(home.endpointFile.path, error.reason) }
        guard url.scheme == .http else { throw .invalidEndpoint(home.endpointFile.path, "the local API is plain http") }
        return DaemonClient(baseURL: url.string, token: t)
    }

    /// A daemon serving its API on the Unix socket at `path`.
    public init(unixSocket path: String, token: String) {
        // AsyncHTTPClient takes the socket path percent-encoded as the URL's host.
        self.init(baseURL: "http+unix://" + (path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? path), token: token, socket: path)
    }

    /// Calls `endpoint` about `account` (and `peer`); returns the body of a 2xx answer, throws
    /// the API's error (code and message) otherwise.
    ///
    /// ```swift
    /// let contact = try await client.call(.addContact, account: me, body: API.AddContact(peer: "bob"), as: API.Contact.self)
    /// ```
    public func call(_ endpoint: Endpoint, account: String? = nil, peer: String? = nil, conversation: String? = nil, message: String? = nil,
                     query: [(String, String)] = [], body: (some Encodable)? = Optional<Int>.none) async throws(DaemonClientError) -> [UInt8] {
        try await call(endpoint.method.http, endpoint.path(account: account, peer: peer, conversation: conversation, message: message, query: query), body: body)
    }

    /// Decodes the JSON answer of ``call(_:account:peer:query:body:)``.
    public func call<T: Decodable>(_ endpoint: Endpoint, account: String? = nil, peer: String? = nil, conversation: String? = nil, message: String? = nil,
                                   query: [(String, String)] = [], body: (some Encodable)? = Optional<Int>.none, as type: T.Type) async throws(DaemonClientError) -> T {
        try await call(endpoint.method.http, endpoint.path(account: account, peer: peer, conversation: conversation, message: message, query: query),
                       body: body, as: type)
    }

    /// Sends a request to `path` as given (tests use it for hostile paths); returns the body of
    /// a 2xx answer, throws the API's error otherwise.
    public func call(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = Optional<Int>.none) async throws(DaemonClientError) -> [UInt8] {
        var bytes: [UInt8]?
        if let body {
            guard let data = try? JSONEncoder().encode(body) else { throw .transport("cannot encode the request") }
            bytes = Array(data)
        }
        return try await call(method, path, rawBody: bytes)
    }

    /// Sends `rawBody` as the JSON body, as given.
    public func call(_ method: HTTPMethod, _ path: String, rawBody: [UInt8]?) async throws(DaemonClientError) -> [UInt8] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        if let rawBody {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: rawBody))
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            let bytes = Array(buffer: try await response.body.collect(upTo: 32 << 20))
            guard (200..<300).contains(response.status.code) else { throw DaemonClientError(status: response.status, body: bytes) }
            return bytes
        } catch let e as DaemonClientError {
            throw e
        } catch {
            throw .notReachable(baseURL, "\(error)")
        }
    }

    /// Decodes the JSON answer of `call`.
    public func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = Optional<Int>.none, as _: T.Type) async throws(DaemonClientError) -> T {
        let bytes = try await call(method, path, body: body)
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw .transport("unexpected answer to \(path): \(error)")
        }
    }

    /// Streams events (all accounts, or `account`'s) to `handler` until it returns false or the
    /// daemon closes the stream; `handler` gets each event and the JSON text it came as. Over
    /// TCP this is the WebSocket; over a Unix socket, the newline-delimited JSON stream.
    public func events(account: String? = nil, logger: Logger = Logger(label: "rafiki.events"),
                       _ handler: @escaping @Sendable (DaemonEvent, String) async -> Bool) async throws(DaemonClientError) {
        if socket != nil {
            try await eventLines(account: account, handler)
            return
        }
        let url = baseURL.replacingOccurrences(of: "http://", with: "ws://") + Self.eventsPath(.events, account: account)
        var headers = HTTPFields()
        headers[.authorization] = "Bearer " + token
        do {
            try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: logger) { inbound, _, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message, let event = try? JSONDecoder().decode(DaemonEvent.self, from: Data(text.utf8)) else { continue }
                    if await !handler(event, text) { return }
                }
            }
        } catch {
            throw .notReachable(url, "\(error)")
        }
    }

    /// ``Endpoint/eventStream``: one JSON event per line; blank lines are keepalives.
    func eventLines(account: String?, _ handler: @escaping @Sendable (DaemonEvent, String) async -> Bool) async throws(DaemonClientError) {
        var request = HTTPClientRequest(url: baseURL + Self.eventsPath(.eventStream, account: account))
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        do {
            // No deadline: the stream is meant to stay open; the daemon's keepalives show it is alive.
            let response = try await HTTPClient.shared.execute(request, deadline: .distantFuture)
            guard response.status == .ok else {
                throw DaemonClientError(status: response.status, body: Array(buffer: try await response.body.collect(upTo: 1 << 20)))
            }
            var pending: [UInt8] = []
            for try await chunk in response.body {
                pending += chunk.readableBytesView
                guard pending.count <= 1 << 20 else { throw DaemonClientError.transport("an event longer than 1 MiB") }
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    guard !line.isEmpty, let event = try? JSONDecoder().decode(DaemonEvent.self, from: Data(line)) else { continue }
                    if await !handler(event, String(decoding: line, as: UTF8.self)) { return }
                }
            }
        } catch let e as DaemonClientError {
            throw e
        } catch {
            throw .notReachable(baseURL, "\(error)")
        }
    }

    static func eventsPath(_ endpoint: Endpoint, account: String?) -> String {
        endpoint.path(query: account.map { [(Endpoint.Query.account, $0)] } ?? [])
    }
}

extension Endpoint.Method {
    var http: HTTPMethod {
        switch self {
        case .get: .GET
        case .post: .POST
        case .put: .PUT
        case .delete: .DELETE
        }
    }
}
