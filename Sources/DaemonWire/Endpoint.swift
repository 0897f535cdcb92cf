/// One route of the local API: its method and its path, defined once (``Endpoint/all``, in
/// Endpoint+Table.swift) for the server's router, the client and the CLI.
///
/// ```swift
/// Endpoint.contact.template                          // "/v1/accounts/:account/contacts/:peer"
/// Endpoint.contact.path(account: me, peer: bob)      // "/v1/accounts/<me>/contacts/<bob>"
/// Endpoint.contact.description                       // "GET /v1/accounts/{id}/contacts/{peer}", as docs/api.md writes it
/// ```
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", put = "PUT", delete = "DELETE"
    }

    /// A path segment: fixed text, or the id of the account, peer, conversation or message a
    /// call is about.
    public enum Segment: Sendable, Hashable, ExpressibleByStringLiteral {
        case literal(String)
        case account
        case peer
        case conversation
        case message

        /// The router parameter's name, for the ids.
        var parameter: String? {
            switch self {
            case .literal: nil
            case .account: Endpoint.accountParameter
            case .peer: Endpoint.peerParameter
            case .conversation: Endpoint.conversationParameter
            case .message: Endpoint.messageParameter
            }
        }

        public init(stringLiteral value: String) { self = .literal(value) }
    }

    /// Query items some endpoints read.
    public enum Query {
        /// Requests per page (``Endpoint/requests``).
        public static let limit = "limit"
        /// The `next` cursor of the previous page (``Endpoint/requests``).
        public static let after = "after"
        /// One account's events only (``Endpoint/events``, ``Endpoint/eventStream``).
        public static let account = "account"
        /// The token, for browsers opening the WebSocket (``Endpoint/events`` only).
        public static let accessToken = "access_token"
        /// The message a page of messages ends before (``Endpoint/messages``).
        public static let before = "before"
        /// The words searched (``Endpoint/searchMessages``).
        public static let text = "q"
        /// One conversation only (``Endpoint/searchMessages``).
        public static let conversation = "conversation"
    }

    /// Router parameter names in ``template``.
    public static let accountParameter = "account"
    public static let peerParameter = "peer"
    public static let conversationParameter = "conversation"
    public static let messageParameter = "message"

    public let method: Method
    public let segments: [Segment]

    init(_ method: Method, _ segments: Segment...) {
        self.method = method
        self.segments = segments
    }

    /// The path as a router matches it, parameters as `:account`, `:peer`, … (Hummingbird's syntax).
    public var template: String {
        "/" + segments.map { segment in
            if case .literal(let text) = segment { return text }
            return ":" + segment.parameter!
        }.joined(separator: "/")
    }

    /// The path of one call. The ids are percent-encoded, so whatever a user typed stays one
    /// segment (a valid id is 40 hex and unchanged); a parameter the endpoint has but the call
    /// lacks is left empty, which the server answers with a 404. Query items are encoded likewise.
    public func path(account: String? = nil, peer: String? = nil, conversation: String? = nil, message: String? = nil,
                     query: [(String, String)] = []) -> String {
        var path = "/" + segments.map { segment in
            switch segment {
            case .literal(let text): text
            case .account: Self.percentEncoded(account ?? "")
            case .peer: Self.percentEncoded(peer ?? "")
            case .conversation: Self.percentEncoded(conversation ?? "")
            case .message: Self.percentEncoded(message ?? "")
            }
        }.joined(separator: "/")
        if !query.isEmpty {
            path += "?" + query.map { Self.percentEncoded($0.0) + "=" + Self.percentEncoded($0.1) }.joined(separator: "&")
        }
        return path
    }

    /// `GET /v1/accounts/{id}/contacts/{peer}`: how docs/api.md names the endpoint.
    public var description: String {
        method.rawValue + " /" + segments.map { segment in
            switch segment {
            case .literal(let text): text
            case .account: "{id}"
            case .peer: "{peer}"
            case .conversation: "{conversation}"
            case .message: "{message}"
            }
        }.joined(separator: "/")
    }

    /// Letters, digits, `-`, `_` and `~` as they are, every other byte of the UTF-8 as `%XX`; the
    /// dot too, so that a typed `..` cannot become a dot segment that a URL parser resolves.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
