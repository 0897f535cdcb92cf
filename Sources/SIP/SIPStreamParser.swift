import Foundation

/// Why bytes on a `sip` channel were refused; the channel is closed after one.
public enum SIPError: Error, Sendable, Equatable {
    case headersTooLong
    case bodyTooLong(Int)
    case malformed(String)
}

/// Cuts a `sip` channel's byte stream into messages (a stream transport, as SIP over TCP/TLS:
/// headers end with a blank line, the body is `Content-Length` bytes). The CRLF keep-alives
/// pjsip sends between messages are skipped. Bounded: at most ``maxHeaders`` bytes of headers
/// and ``maxBody`` of body are ever buffered. O(n) in the bytes fed.
public struct SIPStreamParser: Sendable {
    public static let maxHeaders = 16 << 10
    public static let maxBody = 64 << 10
    private var buffer: [UInt8] = []
    /// Where the search for the blank line resumes (bytes before it were searched).
    private var searched = 0

    public init() {}

    /// The messages completed by `bytes`, in order.
    public mutating func feed(_ bytes: [UInt8]) throws(SIPError) -> [SIPMessage] {
        buffer += bytes
        var out: [SIPMessage] = []
        while true {
            // Keep-alives: bare CRLFs between messages.
            var skip = 0
            while skip < buffer.count, buffer[skip] == 13 || buffer[skip] == 10 { skip += 1 }
            if skip > 0 {
                buffer.removeFirst(skip)
                searched = 0
            }
            guard let end = headerEnd() else {
                if buffer.count > Self.maxHeaders { throw .headersTooLong }
                return out
            }
            guard end <= Self.maxHeaders else { throw .headersTooLong }
            let head = try Self.parseHead(Array(buffer[..<end]))
            let length = try Self.contentLength(head.headers)
            guard buffer.count >= end + 4 + length else { return out }
            let body = Array(buffer[(end + 4)..<(end + 4 + length)])
            buffer.removeFirst(end + 4 + length)
            searched = 0
            out.append(SIPMessage(head.start, headers: head.headers, body: body))
        }
    }

    /// The index of the `\r\n\r\n` ending the headers, if buffered.
    private mutating func headerEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        var i = max(0, searched - 3)
        while i + 3 < buffer.count {
            if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 { return i }
            i += 1
        }
        searched = buffer.count
        return nil
    }

    static func parseHead(_ bytes: [UInt8]) throws(SIPError) -> (start: SIPMessage.StartLine, headers: [(name: String, value: String)]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("headers are not UTF-8") }
        var lines = text.components(separatedBy: "\r\n")
        let first = lines.removeFirst()
        let parts = first.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        let start: SIPMessage.StartLine
        if parts.count == 3, parts[0] == "SIP/2.0" {
            guard let status = Int(parts[1]), (100...699).contains(status) else { throw .malformed("status \(parts[1].prefix(20))") }
            start = .response(status: status, reason: parts[2])
        } else if parts.count == 3, parts[2] == "SIP/2.0", !parts[0].isEmpty, parts[0].utf8.allSatisfy({ (65...90).contains($0) }), !parts[1].isEmpty {
            start = .request(method: parts[0], uri: parts[1])
        } else {
            throw .malformed("start line \(first.prefix(60))")
        }
        var headers: [(name: String, value: String)] = []
        var others = 0
        for line in lines {
            if let c = line.first, c == " " || c == "\t", !headers.isEmpty {  // folded continuation
                headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("header line \(line.prefix(60))") }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !name.contains(" ") else { throw .malformed("header name \(name.prefix(40))") }
            headers.append((name, line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            // Content-Length is not counted: encoding adds one to a message that had none.
            if SIPMessage.canonical(name) != "content-length" {
                others += 1
                guard others <= 64 else { throw .malformed("more than 64 headers") }
            }
        }
        return (start, headers)
    }

    static func contentLength(_ headers: [(name: String, value: String)]) throws(SIPError) -> Int {
        let values = headers.filter { SIPMessage.canonical($0.name) == "content-length" }.map(\.value)
        guard let text = values.first else { return 0 }
        guard values.allSatisfy({ $0 == text }), let n = Int(text), n >= 0 else { throw .malformed("Content-Length \(text.prefix(20))") }
        guard n <= maxBody else { throw .bodyTooLong(n) }
        return n
    }
}
