/// Where things live in a conversation's tree (jami-protocol §5.1).
public enum ConversationLayout {
    public static let branch = "refs/heads/main"
    public static let admins = "admins", members = "members", devices = "devices", invited = "invited"
    public static let profile = "profile.vcf"

    public static func admin(_ account: String) -> String { "admins/\(account).crt" }
    public static func member(_ account: String) -> String { "members/\(account).crt" }
    public static func device(_ device: String) -> String { "devices/\(device).crt" }
    public static func invited(_ account: String) -> String { "invited/\(account)" }
    public static func bannedMember(_ account: String) -> String { "banned/members/\(account).crt" }
    public static func remoteBranch(_ device: String) -> String { "refs/remotes/\(device)/main" }

    /// 40 lower-case hex characters (an account id, a commit id).
    static func isAccountID(_ s: Substring) -> Bool { s.utf8.count == 40 && s.utf8.allSatisfy(isLowerHex) }
    /// 64 lower-case hex characters (a device long id).
    static func isDeviceID(_ s: Substring) -> Bool { s.utf8.count == 64 && s.utf8.allSatisfy(isLowerHex) }

    private static func isLowerHex(_ c: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c)
    }
}
