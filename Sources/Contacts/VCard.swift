/// The profile Jami clients put in trust requests: a vCard (2.1 or 3.0) with at least `FN` and
/// perhaps a base64 `PHOTO`. Only what the daemon needs is read; the bytes are kept as sent.
public enum VCard {
    /// Characters of a display name that are kept (Jami clients show about this many).
    public static let maxDisplayName = 128

    /// A vCard with a display name and an optional photo (base64 of a JPEG or PNG).
    public static func make(displayName: String, photoBase64: String? = nil, photoType: String = "JPEG") -> [UInt8] {
        var lines = ["BEGIN:VCARD", "VERSION:2.1", "FN:" + escape(displayName)]
        if let photoBase64, !photoBase64.isEmpty { lines.append("PHOTO;ENCODING=BASE64;TYPE=\(photoType):" + photoBase64) }
        lines.append("END:VCARD")
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// The `FN` (display name) of a vCard, at most ``maxDisplayName`` characters, or nil.
    public static func displayName(in bytes: [UInt8]) -> String? {
        guard bytes.count <= TrustRequest.maxPayload + 4096 else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].split(separator: ";").first.map { $0.uppercased() }
            guard name == "FN" else { continue }
            let value = unescape(String(line[line.index(after: colon)...]))
            let clean = value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }
            let result = String(String.UnicodeScalarView(clean)).prefix(maxDisplayName)
            return result.isEmpty ? nil : String(result)
        }
        return nil
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case ",": out += "\\,"
            case ";": out += "\\;"
            case "\n", "\r\n", "\r": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func unescape(_ s: String) -> String {
        var out = "", escaping = false
        for c in s {
            if escaping {
                out.append(c == "n" || c == "N" ? " " : c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}
