/// A conversation's `profile.vcf` (title, description, avatar), read as jamid 13.7 reads it and
/// written byte for byte as its `updateInfos` writes it (jami-protocol §5.10): `\n` line ends,
/// `PHOTO;ENCODING=BASE64` always present, a blank line after each rendezvous line's place, no
/// final newline. jamid writes values raw; ours have line breaks replaced, so no value can add
/// a line of its own.
public struct ConversationProfile: Sendable, Equatable {
    public var title: String?
    public var description: String?
    /// Base64 of the image.
    public var avatar: String?
    /// The rendezvous account and device of a conversation that hosts calls (kept as read).
    public var rdvAccount: String?
    public var rdvDevice: String?

    public init(title: String? = nil, description: String? = nil, avatar: String? = nil) {
        self.title = title
        self.description = description
        self.avatar = avatar
    }

    /// Each line split at its first `:`: `FN` is the title, `DESCRIPTION` the description, any
    /// key starting with `PHOTO` the avatar, `RDV_ACCOUNT…`/`RDV_DEVICE…` the rendezvous.
    public init(vcard: [UInt8]) {
        for line in String(decoding: vcard, as: UTF8.self).split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].uppercased(), value = String(line[line.index(after: colon)...])
            if key == "FN" { title = value } else if key == "DESCRIPTION" { description = value } else if key.hasPrefix("PHOTO") { avatar = value }
            else if key.hasPrefix("RDV_ACCOUNT") { rdvAccount = value } else if key.hasPrefix("RDV_DEVICE") { rdvDevice = value }
        }
    }

    /// The title as a list shows it: trimmed, at most 128 characters, nil when blank.
    public var shownTitle: String? {
        guard let title else { return nil }
        let t = title.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        return t.isEmpty ? nil : String(t.prefix(128))
    }

    public var vcard: [UInt8] {
        var out = "BEGIN:VCARD\nVERSION:2.1\n"
        if let title { out += "FN:\(Self.oneLine(title))\n" }
        if let description { out += "DESCRIPTION:\(Self.oneLine(description))\n" }
        out += "PHOTO;ENCODING=BASE64"
        if let avatar { out += ":" + String(String.UnicodeScalarView(avatar.unicodeScalars.filter(Self.isBase64))) }
        out += "\n"
        if let rdvAccount { out += "RDV_ACCOUNT:\(Self.oneLine(rdvAccount))\n" }
        out += "\n"
        if let rdvDevice { out += "RDV_DEVICE:\(Self.oneLine(rdvDevice))\n" }
        out += "\nEND:VCARD"
        return Array(out.utf8)
    }

    static func oneLine(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : $0 }))
    }

    static func isBase64(_ c: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(c) || ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "+" || c == "/" || c == "="
    }
}
