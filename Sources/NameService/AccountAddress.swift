import Identity

/// Account addresses as the name-server protocol writes them: 40 hex digits, optionally behind
/// `0x`, `jami:` or `ring:` (the reference server accepts all of these).
public enum AccountAddress {
    /// The account id in `text`, or `invalidAddress`. The all-zero id is refused, as the
    /// reference server does (it means "no address" in its registry).
    public static func parse(_ text: some StringProtocol) throws(NameServiceError) -> PublicKeyID {
        var s = Substring(text)
        for prefix in ["jami:", "ring:"] where s.hasPrefix(prefix) { s = s.dropFirst(prefix.count) }
        if s.hasPrefix("0x") || s.hasPrefix("0X") { s = s.dropFirst(2) }
        guard s.utf8.count == 40, let id = PublicKeyID(hex: s), id.bytes.contains(where: { $0 != 0 }) else {
            throw .invalidAddress
        }
        return id
    }

    /// `0x` + 40 lower-case hex: how lookups answer `addr`.
    public static func wire(_ id: PublicKeyID) -> String { "0x" + id.hex }
}
