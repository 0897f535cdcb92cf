import Identity

/// Who is in a conversation, read from one tree (jami-protocol §5.1).
public enum MemberRole: String, Sendable, CaseIterable, Comparable {
    case admin, member, invited, banned

    public static func < (a: MemberRole, b: MemberRole) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

extension ConversationRepository {
    /// Every account in `admins/`, `members/`, `invited/` and `banned/members/` at `main`, with
    /// its role; an account in two folders (never written so) gets the first of that order.
    public func roles() throws(SwarmError) -> [String: MemberRole] {
        let tree = try git.commit(try head).tree
        var roles: [String: MemberRole] = [:]
        let folders: [(String, MemberRole, Bool)] = [(ConversationLayout.admins, .admin, true), (ConversationLayout.members, .member, true),
                                                     (ConversationLayout.invited, .invited, false), ("banned/members", .banned, true)]
        for (folder, role, certificate) in folders {
            for name in try git.names(in: folder, tree: tree) {
                let account = certificate ? (name.hasSuffix(".crt") ? String(name.dropLast(4)) : "") : name
                guard ConversationLayout.isAccountID(Substring(account)), roles[account] == nil else { continue }
                roles[account] = role
            }
        }
        return roles
    }

    /// The account that issued `device`'s certificate in `tree` (the commit's author account),
    /// nil when the certificate is missing or names none.
    public func account(ofDevice device: String, in tree: ObjectID) -> String? {
        guard ConversationLayout.isDeviceID(Substring(device)),
              let pem = try? git.file(ConversationLayout.device(device), in: tree, limit: 64 << 10),
              let chain = try? CertificateChain(pemOrDER: pem),
              let account = chain.leaf.issuerUID, ConversationLayout.isAccountID(Substring(account)) else { return nil }
        return account
    }
}
