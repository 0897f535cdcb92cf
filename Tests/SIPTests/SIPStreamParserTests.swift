import SIP
import Testing

struct SIPStreamParserTests {
    /// What jamid 13.7's pjsip writes on a `sip` channel (compact and long header names mixed).
    static let jamidMessage = """
        MESSAGE sips:66ce27ff38ad76737043253aa986e9514ec8d7f4@198.18.0.1:41234;transport=tls SIP/2.0\r
        Via: SIP/2.0/TLS 198.18.0.1:37000;rport;branch=z9hG4bKPj5a3f\r
        Max-Forwards: 70\r
        f: "Jay" <sip:778bc0ce1079848d8d3773249173417db6719bb0@ring.dht>;tag=abc\r
        To: <sips:66ce27ff38ad76737043253aa986e9514ec8d7f4@198.18.0.1:41234;transport=tls>\r
        i: 9c1d\r
        CSeq: 3011 MESSAGE\r
        Message-ID: 1d2f3a\r
        c: application/im-gitmessage-id\r
        l: 23\r
        \r
        {"id":"x","commit":"y"}
        """

    @Test func messagesAreCutAtTheirLengthWhateverTheReads() throws {
        let bytes = Array(("\r\n\r\n" + Self.jamidMessage + Self.jamidMessage).utf8)
        for chunk in [1, 7, 64, bytes.count] {
            var parser = SIPStreamParser()
            var out: [SIPMessage] = []
            var i = 0
            while i < bytes.count {
                out += try parser.feed(Array(bytes[i..<min(i + chunk, bytes.count)]))
                i += chunk
            }
            #expect(out.count == 2, "chunk \(chunk)")
            #expect(out.allSatisfy { $0.method == "MESSAGE" && $0.contentType == "application/im-gitmessage-id" && $0.body == Array(#"{"id":"x","commit":"y"}"#.utf8) })
            #expect(out[0]["from"]?.contains("778bc0ce") == true && out[0]["Call-ID"] == "9c1d" && out[0]["message-id"] == "1d2f3a")
        }
    }

    @Test func ourMessagesParseBackAndAnswersEchoTheirRequest() throws {
        let m = SIPMessage.instantMessage(from: String(repeating: "a", count: 40), to: String(repeating: "b", count: 40), displayName: "Rafa \"x\"",
                                          contentType: "message/imdn+xml", body: "<imdn/>", messageID: "42", token: 0xabc, date: "Thu, 03 Dec 2026 12:00:00 GMT")
        var parser = SIPStreamParser()
        let back = try parser.feed(m.encoded())
        #expect(back == [m.with(contentLength: 7)])
        let ok = back[0].response(200, "OK", tag: "t1")
        #expect(ok.start == .response(status: 200, reason: "OK"))
        #expect(ok["To"]?.hasSuffix(";tag=t1") == true && ok["CSeq"] == "1 MESSAGE" && ok["Via"] == m["Via"] && ok.body.isEmpty)
        #expect(m["From"] == "\"Rafa x\" <sip:\(String(repeating: "a", count: 40))@ring.dht>;tag=abc")
    }

    /// Found by FuzzSIP: 64 headers and no Content-Length parsed, but their encoding (which
    /// adds a Content-Length) was refused for its 65 headers.
    @Test func aMessageAtTheHeaderLimitParsesBackFromItsEncoding() throws {
        let text = "OPTIONS sip:x SIP/2.0\r\n" + (0..<64).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        var parser = SIPStreamParser()
        let messages = try parser.feed(Array(text.utf8))
        #expect(messages.count == 1)
        var again = SIPStreamParser()
        #expect(try again.feed(messages[0].encoded()).count == 1)
        var over = SIPStreamParser()
        #expect(throws: SIPError.malformed("more than 64 headers")) { _ = try over.feed(Array(("OPTIONS sip:x SIP/2.0\r\nX: v\r\n" + text.dropFirst(23)).utf8)) }
    }

    @Test func hostileStreamsAreRefusedWithinBounds() {
        let cases: [(String, SIPError)] = [
            ("MESSAGE x SIP/2.0\r\nContent-Length: 99999999\r\n\r\n", .bodyTooLong(99_999_999)),
            ("MESSAGE x SIP/2.0\r\nContent-Length: -1\r\n\r\n", .malformed("Content-Length -1")),
            ("MESSAGE x SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\n", .malformed("Content-Length 1")),
            ("HELLO\r\n\r\n", .malformed("start line HELLO")),
            ("SIP/2.0 99 Nope\r\n\r\n", .malformed("status 99")),
            ("MESSAGE x SIP/2.0\r\nno colon here\r\n\r\n", .malformed("header line no colon here")),
        ]
        for (text, error) in cases {
            var parser = SIPStreamParser()
            #expect(throws: error) { _ = try parser.feed(Array(text.utf8)) }
        }
        var parser = SIPStreamParser()
        #expect(throws: SIPError.headersTooLong) { _ = try parser.feed(Array(repeating: UInt8(ascii: "a"), count: SIPStreamParser.maxHeaders + 1)) }
        var invalid = SIPStreamParser()
        #expect(throws: SIPError.malformed("headers are not UTF-8")) { _ = try invalid.feed([0x4D, 0xFF, 0xFE] + Array("\r\n\r\n".utf8)) }
    }
}

extension SIPMessage {
    /// As parsed back: `encoded()` adds the Content-Length header.
    func with(contentLength n: Int) -> SIPMessage {
        SIPMessage(start, headers: headers + [("Content-Length", String(n))], body: body)
    }
}
