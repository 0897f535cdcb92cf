import Foundation

/// The messages we write: instant messages (MESSAGE), and answers to what peers send.
extension SIPMessage {
    /// A MESSAGE from account `from` to account `to` carrying `body` as `contentType`, with
    /// the RFC 5438 `Message-ID` jamid de-duplicates by. `token` makes the branch, tag and
    /// Call-ID unique (a random number from the caller's scheduler).
    public static func instantMessage(from: String, to: String, displayName: String?, contentType: String, body: String,
                                      messageID: String, token: UInt64, date: String) -> SIPMessage {
        let hex = String(token, radix: 16)
        let name = displayName.map { "\"" + $0.filter { $0 != "\"" && $0 != "\\" && !$0.isNewline } + "\" " } ?? ""
        return SIPMessage(.request(method: "MESSAGE", uri: "sips:\(to)@ring.dht;transport=tls"), headers: [
            ("Via", "SIP/2.0/TLS ring.dht;rport;branch=z9hG4bK\(hex)"),
            ("Max-Forwards", "70"),
            ("From", "\(name)<sip:\(from)@ring.dht>;tag=\(hex)"),
            ("To", "<sips:\(to)@ring.dht;transport=tls>"),
            ("Call-ID", "\(hex)-\(messageID)"),
            ("CSeq", "1 MESSAGE"),
            ("Date", date),
            ("Message-ID", messageID),
            ("User-Agent", "Rafiki"),
            ("Content-Type", contentType),
        ], body: Array(body.utf8))
    }

    /// The answer to this request: its Via, From, To (tagged), Call-ID and CSeq.
    public func response(_ status: Int, _ reason: String, tag: String) -> SIPMessage {
        var headers: [(name: String, value: String)] = []
        for h in self.headers {
            switch Self.canonical(h.name) {
            case "via", "from", "call-id", "cseq": headers.append((h.name, h.value))
            case "to": headers.append((h.name, h.value.contains(";tag=") ? h.value : h.value + ";tag=" + tag))
            default: continue
            }
        }
        return SIPMessage(.response(status: status, reason: reason), headers: headers)
    }

    /// The body's MIME type without parameters, lower-cased (`text/plain;charset=utf-8` → `text/plain`).
    public var contentType: String? {
        self["content-type"].map { String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased() }
    }
}
