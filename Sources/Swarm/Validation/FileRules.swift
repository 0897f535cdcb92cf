import Identity

/// Which files one commit may change, by its type (jami-protocol §5.6).
struct FileRules {
    let commit: String
    let author: CommitAuthor
    let changes: Set<GitRepository.FileChange>
    let git: GitRepository
    let parentTree: ObjectID
    let tree: ObjectID
    /// The conversation's mode, from its root commit.
    let mode: ConversationMode?

    private var paths: [String] { changes.map(\.path) }

    /// The author's own device certificate (added or refreshed), and its own account
    /// certificate refreshed in place.
    func isOwnCertificate(_ c: GitRepository.FileChange) -> Bool {
        if c.path == ConversationLayout.device(author.device), c.kind != .deleted { return true }
        if c.kind == .modified, c.path == ConversationLayout.admin(author.account) || c.path == ConversationLayout.member(author.account) { return true }
        return false
    }

    func refuse(_ why: String) -> SwarmError { .invalidCommit(commit, why) }

    /// Text, replies, reactions, edits, files, calls and any other type.
    func onlyOwnCertificates() throws(SwarmError) {
        if let bad = changes.first(where: { !isOwnCertificate($0) }) { throw refuse("a message may not touch \(bad.path.prefix(120))") }
    }

    func profile() throws(SwarmError) {
        guard (try? git.file(ConversationLayout.admin(author.account), in: parentTree, limit: 64 << 10)) != nil else { throw refuse("only an admin may change the profile") }
        if let bad = changes.first(where: { !isOwnCertificate($0) && $0.path != ConversationLayout.profile }) {
            throw refuse("a profile update may not touch \(bad.path.prefix(120))")
        }
    }

    func member(_ message: CommitMessage) throws(SwarmError) {
        guard let uri = message["uri"], let action = message["action"].flatMap(MemberAction.init(rawValue:)) else { throw refuse("a member commit without action or uri") }
        let others = changes.filter { !isOwnCertificate($0) }
        switch action {
        case .add:
            guard ConversationLayout.isAccountID(Substring(uri)) else { throw refuse("adds \(uri.prefix(80)), not an account id") }
            guard uri != author.account else { throw refuse("a member may not add itself") }
            guard try git.file(ConversationLayout.bannedMember(uri), in: parentTree) == nil else { throw refuse("adds a banned member") }
            guard mode != .oneToOne else { throw refuse("a 1:1 conversation takes no one else") }
            guard others == [GitRepository.FileChange(path: ConversationLayout.invited(uri), kind: .added)],
                  try git.file(ConversationLayout.invited(uri), in: tree) == [] else {
                throw refuse("an add must create the empty invited/\(uri.prefix(12)) and nothing else")
            }
        case .join:
            guard uri == author.account else { throw refuse("joins as someone else") }
            let expected: Set = [GitRepository.FileChange(path: ConversationLayout.invited(uri), kind: .deleted),
                                 GitRepository.FileChange(path: ConversationLayout.member(uri), kind: .added)]
            guard Set(others) == expected else { throw refuse("a join must turn invited/\(uri.prefix(12)) into members/\(uri.prefix(12)).crt") }
        case .remove:
            let leaving = uri == author.account
            guard leaving || isAdminInParent() else { throw refuse("only an admin may remove another member") }
            for c in changes where !isOwnCertificate(c) || c.kind == .deleted {
                guard c.kind == .deleted, try isOf(uri, c.path) else { throw refuse("a removal may not touch \(c.path.prefix(120))") }
            }
        case .ban, .unban:
            guard isAdminInParent() else { throw refuse("only an admin may \(action.rawValue)") }
            // An unban moves the target's certificate back from banned/ to where it was.
            let restored = action == .unban ? [ConversationLayout.admin(uri), ConversationLayout.member(uri), ConversationLayout.invited(uri)] : []
            for c in others {
                let ofTarget = c.kind == .deleted ? try isOf(uri, c.path) : false
                let allowed = c.path.hasPrefix("votes/") && c.kind == .deleted || c.path.hasPrefix("banned/") && c.path.contains(uri) || ofTarget
                    || c.kind == .added && restored.contains(c.path)
                guard allowed else { throw refuse("a \(action.rawValue) may not touch \(c.path.prefix(120))") }
            }
        }
    }

    func vote(_ message: CommitMessage) throws(SwarmError) {
        guard let uri = message["uri"], uri != author.account else { throw refuse("a vote needs a target other than the voter") }
        guard isAdminInParent() else { throw refuse("only an admin may vote") }
        let others = changes.filter { !isOwnCertificate($0) }
        guard others.count == 1, let v = others.first, v.kind == .added else { throw refuse("a vote adds exactly one file") }
        let parts = v.path.split(separator: "/")
        guard parts.count == 5, parts[0] == "votes", ["ban", "unban"].contains(parts[1]),
              ["members", "admins", "devices", "invited"].contains(parts[2]), parts[3] == uri, parts[4] == author.account,
              try git.file(v.path, in: tree) == [] else {
            throw refuse("not a vote file: \(v.path.prefix(120))")
        }
    }

    func isAdminInParent() -> Bool {
        (try? git.file(ConversationLayout.admin(author.account), in: parentTree, limit: 64 << 10)) != nil
    }

    /// Whether `path` is one of `account`'s: its admin, member, invited or CRL file, or one of
    /// its devices' certificates (read in the parent).
    func isOf(_ account: String, _ path: String) throws(SwarmError) -> Bool {
        if [ConversationLayout.admin(account), ConversationLayout.member(account), ConversationLayout.invited(account), "CRLs/\(account)"].contains(path) { return true }
        guard path.hasPrefix("devices/"), let pem = try git.file(path, in: parentTree, limit: 64 << 10),
              let chain = try? CertificateChain(pemOrDER: pem) else { return false }
        return chain.leaf.issuerUID == account
    }
}
