import DaemonWire
import Foundation
import HTTPTypes

/// Who may use the local API, checked on every request and before a WebSocket upgrade:
/// 1. `Host` must name the loopback address (`localhost`, `127.0.0.1`, `[::1]`) or the address
///    the API listens on, any port; otherwise `421`. A web page that rebinds its own name to
///    127.0.0.1 sends its name here. Not checked on the Unix socket, which browsers cannot reach.
/// 2. `Origin`, which browsers send on cross-origin requests and every WebSocket handshake,
///    must be absent, in the allow-list (`apiOrigins`), or a `ws:`/`wss:` origin, which no web
///    page has (WebSocket client libraries send one, ours included); otherwise `403`.
///    A CORS preflight from an allowed origin needs no token (browsers send none).
/// 3. The token, in `Authorization: Bearer <token>`, or as `?access_token=` on the WebSocket
///    only (browsers cannot set headers there); otherwise `401`.
struct APIAccess: Sendable {
    /// What the checks read from a request, whichever HTTP types it came in.
    struct Credentials {
        var host: String?
        var origins: [String]
        var authorization: String?
        var queryToken: Substring?
        /// A CORS preflight (`OPTIONS` with `Access-Control-Request-Method`), which browsers send without credentials.
        var isPreflight = false
    }

    /// A refusal: its code (whose status is 401, 403 or 421), the message the client gets, and
    /// a short kind for the log.
    struct Refusal: Error {
        let code: API.ErrorCode
        let message: String
        let kind: String

        var status: HTTPResponse.Status { code.status }
    }

    let token: String
    /// Lower-case host names (IPv6 without brackets); nil on a Unix socket.
    let hosts: Set<String>?
    /// Lower-case origins, `scheme://host[:port]`.
    let origins: Set<String>

    static let loopbackNames: Set<String> = ["localhost", "127.0.0.1", "::1"]

    /// - Parameter listeningHost: the TCP address the API binds, nil on a Unix socket.
    init(token: String, listeningHost: String?, allowedOrigins: [String]) {
        self.token = token
        hosts = listeningHost.map { host in
            let name = host.lowercased().trimmingCharacters(in: ["[", "]"])
            return ["0.0.0.0", "::", ""].contains(name) ? Self.loopbackNames : Self.loopbackNames.union([name])
        }
        origins = Set(allowedOrigins.map { Self.normalizedOrigin($0) })
    }

    func refusal(_ request: Credentials, queryTokenAllowed: Bool) -> Refusal? {
        if let hosts, !(request.host.flatMap(Self.hostName(ofAuthority:)).map(hosts.contains) ?? false) {
            return Refusal(code: .foreignHost, message: "this API answers only requests addressed to localhost (Host header)", kind: "foreign host")
        }
        if !request.origins.isEmpty, request.origins.count > 1 || !allows(origin: request.origins[0]) {
            return Refusal(code: .foreignOrigin, message: "requests from web pages of other origins are refused (Origin header; see apiOrigins)", kind: "foreign origin")
        }
        if request.isPreflight, !request.origins.isEmpty, origins.contains(Self.normalizedOrigin(request.origins[0])) { return nil }
        let bearer = request.authorization.flatMap { $0.hasPrefix("Bearer ") ? $0.dropFirst(7) : nil }
        if let bearer, APIToken.matches(bearer, token) { return nil }
        if bearer == nil, queryTokenAllowed, let given = request.queryToken, APIToken.matches(given, token) { return nil }
        if bearer == nil, !queryTokenAllowed, request.queryToken != nil {
            return Refusal(code: .unauthorized, message: "the API token goes in the Authorization header (?access_token is for the WebSocket only)", kind: "query token")
        }
        return Refusal(code: .unauthorized, message: "missing or wrong API token (see the daemon's api-token file)", kind: "token")
    }

    private func allows(origin: String) -> Bool {
        let origin = Self.normalizedOrigin(origin)
        return origins.contains(origin) || origin.hasPrefix("ws://") || origin.hasPrefix("wss://")
    }

    /// The host of a `Host` value (`name`, `name:port`, `[v6]`, `[v6]:port`), lower case, or nil
    /// when it is anything else (userinfo, several colons, odd characters).
    static func hostName(ofAuthority authority: String) -> String? {
        let text = authority.lowercased()
        let host: Substring, rest: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            rest = text[text.index(after: close)...]
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        } else {
            let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            rest = parts.count > 1 ? text[text.index(before: parts[1].startIndex)...] : ""
            guard !host.isEmpty, host.allSatisfy({ $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII || $0 == "-" || $0 == "." }) else { return nil }
        }
        if !rest.isEmpty {
            let port = rest.dropFirst()
            guard rest.first == ":", !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        }
        return String(host)
    }

    static func normalizedOrigin(_ origin: String) -> String {
        var text = origin.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
