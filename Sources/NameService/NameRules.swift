/// Jami's username rules: 3 to 32 characters from `[a-z0-9_-]`. Clients may type capitals;
/// a name is compared, signed and stored in its lower-case form, so `Alice` and `alice` are one
/// name and can never belong to two accounts.
public enum NameRules {
    public static let lengths = 3...32

    /// The canonical (lower-case) form of `name`, or `invalidName` when it breaks the rules.
    /// Only ASCII is accepted: Unicode case folding would let look-alike names collide.
    public static func canonical(_ name: some StringProtocol) throws(NameServiceError) -> String {
        let bytes = Array(name.utf8)
        guard lengths.contains(bytes.count) else { throw .invalidName }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        for b in bytes {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                out.append(b)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                out.append(b + 32)
            default:
                throw .invalidName
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `name` is already canonical (lower case and valid).
    public static func isCanonical(_ name: some StringProtocol) -> Bool {
        (try? canonical(name)) == String(name)
    }
}
