/// One SIP message of the small subset Jami uses between its devices on `sip` channels: a
/// request (MESSAGE carrying instant messages; INVITE and OPTIONS answered) or a response.
///
/// Headers keep their order and their text; names compare case-insensitively, and the compact
/// forms jamid's pjsip may write (`v`, `f`, `t`, `i`, `l`, `c`) are read as the long ones.
public struct SIPMessage: Sendable, Equatable {
    public enum StartLine: Sendable, Equatable {
        case request(method: String, uri: String)
        case response(status: Int, reason: String)
    }

    public var start: StartLine
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(_ start: StartLine, headers: [(name: String, value: String)], body: [UInt8] = []) {
        self.start = start
        self.headers = headers
        self.body = body
    }

    public static func == (a: SIPMessage, b: SIPMessage) -> Bool {
        a.start == b.start && a.body == b.body && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    /// The first value of header `name` (any case, compact forms too).
    public subscript(name: String) -> String? {
        let wanted = Self.canonical(name)
        return headers.first { Self.canonical($0.name) == wanted }?.value
    }

    public var method: String? {
        if case .request(let m, _) = start { return m }
        return nil
    }

    /// The wire form: start line, headers, `Content-Length` (always, computed), blank line, body.
    public func encoded() -> [UInt8] {
        var text: String
        switch start {
        case .request(let method, let uri): text = "\(method) \(uri) SIP/2.0\r\n"
        case .response(let status, let reason): text = "SIP/2.0 \(status) \(reason)\r\n"
        }
        for h in headers where Self.canonical(h.name) != "content-length" { text += "\(h.name): \(h.value)\r\n" }
        text += "Content-Length: \(body.count)\r\n\r\n"
        return Array(text.utf8) + body
    }

    static let compact: [String: String] = ["v": "via", "f": "from", "t": "to", "i": "call-id", "l": "content-length", "c": "content-type", "m": "contact"]

    static func canonical(_ name: String) -> String {
        let lower = name.lowercased()
        return compact[lower] ?? lower
    }
}
