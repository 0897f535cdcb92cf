/// The profile Jami clients put in trust requests: a vCard (2.1 or 3.0) with at least `FN` and
/// perhaps a base64 `PHOTO`. Only what the daemon needs is read; the bytes are kept as sent.
public enum VCard {
    /// Characters of a display name that are kept (Jami clients show about this many).
    public static let maxDisplayName = 128

    /// A vCard with a display name and an optional photo (base64 of a JPEG or PNG). Whatever
    /// the inputs hold, each stays on its own line: the name is escaped, the photo keeps only
    /// base64 characters and the type only letters and digits.
    public static func make(displayName: String, photoBase64: String? = nil, photoType: String = "JPEG") -> [UInt8] {
        var lines = ["BEGIN:VCARD", "VERSION:2.1", "FN:" + escape(displayName)]
        let photo = photoBase64.map { String(String.UnicodeScalarView($0.unicodeScalars.filter(isBase64))) } ?? ""
        if !photo.isEmpty {
            let kept = String(String.UnicodeScalarView(photoType.unicodeScalars.filter(isAlphanumeric).prefix(16)))
            lines.append("PHOTO;ENCODING=BASE64;TYPE=\(kept.isEmpty ? "JPEG" : kept):" + photo)
        }
        lines.append("END:VCARD")
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// The `FN` (display name) of a vCard, at most ``maxDisplayName`` characters, or nil.
    ///
    /// Read scalar by scalar, not by `Character`: a name starting with a combining mark would
    /// otherwise fuse with the `:` before it into one character, and the line would not be found.
    public static func displayName(in bytes: [UInt8]) -> String? {
        guard bytes.count <= TrustRequest.maxPayload + 4096 else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).unicodeScalars
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].split(separator: ";").first.map { String(String.UnicodeScalarView($0)).uppercased() }
            guard name == "FN" else { continue }
            let value = unescape(line[line.index(after: colon)...])
            let clean = value.filter { $0.value >= 0x20 && $0.value != 0x7f }
            let result = String(String.UnicodeScalarView(clean)).prefix(maxDisplayName)
            return result.isEmpty ? nil : String(result)
        }
        return nil
    }

    /// The base64 `PHOTO` of a vCard and its `TYPE` (nil when it names none), or nil.
    public static func photo(in bytes: [UInt8]) -> (base64: String, type: String?)? {
        guard bytes.count <= 8 << 20 else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let params = line[..<colon].uppercased().split(separator: ";")
            guard params.first == "PHOTO" else { continue }
            let data = String(String.UnicodeScalarView(line[line.index(after: colon)...].unicodeScalars.filter(isBase64)))
            guard !data.isEmpty else { return nil }
            let type = params.first { $0.hasPrefix("TYPE=") }.map { String($0.dropFirst(5)) }
            return (data, type)
        }
        return nil
    }

    private static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(c) || ("a"..."z").contains(c) || ("0"..."9").contains(c)
    }

    private static func isBase64(_ c: Unicode.Scalar) -> Bool {
        isAlphanumeric(c) || c == "+" || c == "/" || c == "="
    }

    static func escape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for c in s.unicodeScalars {
            switch c {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case ",": out.append(contentsOf: "\\,".unicodeScalars)
            case ";": out.append(contentsOf: "\\;".unicodeScalars)
            case "\r": out.append(contentsOf: "\\n".unicodeScalars)
            case "\n": if previous != "\r" { out.append(contentsOf: "\\n".unicodeScalars) }
            default: out.append(c)
            }
            previous = c
        }
        return String(out)
    }

    static func unescape<S: Sequence<Unicode.Scalar>>(_ s: S) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = [], escaping = false
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
