/// An `http` or `https` URL of a server (a name server, or where one redirects to), parsed once
/// where it enters (a typed option, `config.json`, a `user@host` query, a `Location` header) and
/// refused with a reason unless every part is one a client should use: no user name or
/// password, a host ``ServerHost`` accepts, a port in 1…65535, a plain path, no query or
/// fragment, at most ``maxLength`` characters. ``string`` is rebuilt from the checked parts, so
/// the HTTP client never reads anything we did not check.
///
/// ```swift
/// let server = try ServerURL("http://[::1]:8080")
/// try ServerURL("http://[::1]:99999")        // refused: port out of range
/// try server.redirect(to: "/name/alice")   // http://[::1]:8080/name/alice
/// ```
public struct ServerURL: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable { case http, https }

    public let scheme: Scheme
    public let host: ServerHost
    /// Nil for the scheme's default port.
    public let port: UInt16?
    /// Empty, or from a `/`; percent-encoded as given.
    public let path: String

    public static let maxLength = 2048

    public init(scheme: Scheme, host: ServerHost, port: UInt16? = nil, path: String = "") throws(NameServiceError) {
        guard port != 0 else { throw .invalidServer("port 0 is out of range (1-65535)") }
        try Self.checkPath(path)
        (self.scheme, self.host, self.port, self.path) = (scheme, host, port, path)
        // The whole URL, however it was built (a redirect's path, `appending`), so
        // that what is accepted here is also accepted again from ``string``.
        guard string.utf8.count <= Self.maxLength else { throw .invalidServer("the URL is longer than \(Self.maxLength) characters") }
    }

    /// Parses an absolute URL such as `https://ns.jami.net` or `http://127.0.0.1:8080/ns`.
    /// Spaces around it are ignored.
    public init(_ text: some StringProtocol) throws(NameServiceError) {
        let text = Self.trimmed(text)
        guard text.utf8.count <= Self.maxLength else { throw .invalidServer("the URL is longer than \(Self.maxLength) characters") }
        guard let separator = text.firstRange(of: "://") else {
            throw .invalidServer("'\(ServerHost.quoted(text))' is not a URL: want http:// or https:// and a host")
        }
        let schemeText = text[..<separator.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw .invalidServer("'\(ServerHost.quoted(schemeText))' is not http or https")
        }
        let rest = text[separator.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let (host, port) = try Self.authority(rest[..<end], portRequired: false)
        try self.init(scheme: scheme, host: host, port: port, path: String(rest[end...]))
    }

    /// A server named by its authority alone (`host`, `host:port`, `[v6]:port`), as in Jami's
    /// `user@host` queries.
    public init(scheme: Scheme, authority: some StringProtocol) throws(NameServiceError) {
        guard authority.utf8.count <= Self.maxLength else { throw .invalidServer("the address is longer than \(Self.maxLength) characters") }
        let (host, port) = try Self.authority(Substring(authority), portRequired: false)
        try self.init(scheme: scheme, host: host, port: port)
    }

    public var string: String {
        scheme.rawValue + "://" + host.urlForm + (port.map { ":\($0)" } ?? "") + path
    }

    public var description: String { string }

    /// This URL with `suffix` (a path from `/`) after its own path.
    public func appending(path suffix: String) throws(NameServiceError) -> ServerURL {
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        return try ServerURL(scheme: scheme, host: host, port: port, path: base + suffix)
    }

    /// Where a redirect from this URL leads: `location` is an absolute `http`/`https` URL, or a
    /// path from `/` (or `//host…`) on this server's scheme. A fragment is dropped (the request
    /// never had one); going from `https` to `http` is refused.
    public func redirect(to location: some StringProtocol) throws(NameServiceError) -> ServerURL {
        var target = Self.trimmed(location)
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        let next: ServerURL
        if target.hasPrefix("//") {
            next = try ServerURL(scheme.rawValue + ":" + target)
        } else if target.hasPrefix("/") {
            guard target.utf8.count <= Self.maxLength else { throw .invalidServer("the URL is longer than \(Self.maxLength) characters") }
            next = try ServerURL(scheme: scheme, host: host, port: port, path: String(target))
        } else {
            next = try ServerURL(target)
        }
        guard !(scheme == .https && next.scheme == .http) else { throw .invalidServer("a redirect from https to http (\(next)) is not followed") }
        return next
    }

    /// `host[:port]`, or `[v6][:port]`; no user name or password.
    static func authority(_ text: Substring, portRequired: Bool) throws(NameServiceError) -> (ServerHost, UInt16?) {
        guard !text.contains("@") else { throw .invalidServer("a user name or password in a server address is not accepted") }
        let hostText: Substring, portText: Substring?
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            hostText = text[...close]
            let after = text[text.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw .invalidServer("'\(ServerHost.quoted(text))' is not [IPv6]:PORT") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else if text.filter({ $0 == ":" }).count > 1 {
            throw .invalidServer("'\(ServerHost.quoted(text))': an IPv6 address needs brackets, as in [::1]:4222")
        } else if let colon = text.firstIndex(of: ":") {
            (hostText, portText) = (text[..<colon], text[text.index(after: colon)...])
        } else {
            (hostText, portText) = (text, nil)
        }
        let host = try ServerHost(hostText)
        guard let portText else {
            if portRequired { throw .invalidServer("'\(ServerHost.quoted(text))' has no port (want HOST:PORT)") }
            return (host, nil)
        }
        guard !portText.isEmpty else { throw .invalidServer("'\(ServerHost.quoted(text))' has an empty port") }
        return (host, try port(portText))
    }

    /// 1…65535, decimal digits only (no sign, no spaces).
    static func port(_ text: Substring) throws(NameServiceError) -> UInt16 {
        guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .invalidServer("port '\(ServerHost.quoted(text))' is not a number")
        }
        guard text.count <= 5, let n = UInt32(text), n >= 1, n <= 65535 else {
            throw .invalidServer("port \(ServerHost.quoted(text)) is out of range (1-65535)")
        }
        return UInt16(n)
    }

    /// RFC 3986 path characters; queries and fragments are refused (a name server needs neither).
    private static func checkPath(_ path: String) throws(NameServiceError) {
        guard path.utf8.count <= maxLength else { throw .invalidServer("the URL is longer than \(maxLength) characters") }
        if path.contains("?") { throw .invalidServer("a query ('?…') in a server URL is not accepted") }
        if path.contains("#") { throw .invalidServer("a fragment ('#…') in a server URL is not accepted") }
        guard path.isEmpty || path.hasPrefix("/") else { throw .invalidServer("the path must start with '/'") }
        let bytes = Array(path.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x25 {  // %XX
                guard i + 2 < bytes.count, isHex(bytes[i + 1]), isHex(bytes[i + 2]) else { throw .invalidServer("a bad %-escape in the path") }
                i += 3
                continue
            }
            guard isPathByte(b) else { throw .invalidServer("the path '\(ServerHost.quoted(path))' has characters a URL cannot carry") }
            i += 1
        }
    }

    private static func isHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) }

    private static func isPathByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || Array("-._~!$&'()*+,;=:@/".utf8).contains(b)
    }

    private static func trimmed(_ text: some StringProtocol) -> Substring {
        let s = Substring(text)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = s.firstIndex(where: { !isSpace($0) }), let last = s.lastIndex(where: { !isSpace($0) }) else { return "" }
        return s[first...last]
    }
}
