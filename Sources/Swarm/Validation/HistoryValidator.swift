/// Checks commits fetched or cloned from a peer before `main` may move to them, as Jami's
/// rules say (jami-protocol §5.6) plus what jamid 2023 skipped: every commit's signature is
/// verified with the device certificate the repository holds at that commit. One bad commit
/// refuses the whole fetch.
///
/// Cost per commit: one tree diff, a few tree lookups and one RSA verification (the signature);
/// each distinct certificate is parsed, and each device–account chain verified, once per run
/// (``CertificateCache``).
public struct HistoryValidator {
    let git: GitRepository
    /// The conversation (its root commit), whose mode some rules depend on.
    let conversation: ObjectID
    private let mode: ConversationMode?
    /// Certificates parsed and chains verified so far in this run.
    private let certificates = CertificateCache()

    public init(_ git: GitRepository, conversation: ObjectID) {
        self.git = git
        self.conversation = conversation
        mode = (try? git.commit(conversation)).flatMap { try? CommitMessage(parsing: $0.message).mode }.flatMap(ConversationMode.init(rawValue:))
    }

    /// Validates `commits`, oldest first (each one's parents are already valid or earlier in
    /// the list).
    public func validate(_ commits: [ObjectID]) throws(SwarmError) {
        for id in commits { try validate(try git.commit(id)) }
    }

    func validate(_ c: GitCommit) throws(SwarmError) {
        let id = c.id.hex
        switch c.parents.count {
        case 0:
            guard c.id == conversation else { throw .invalidCommit(id, "a second root commit") }
            return try validateRoot(c)
        case 1: break
        case 2:
            // A merge: only who made it.
            let author = try CommitAuthor(of: c, tree: c.tree, in: git, cache: certificates)
            return try author.checkSignature(of: c, in: git)
        default: throw .invalidCommit(id, "\(c.parents.count) parents")
        }
        let message: CommitMessage
        do { message = try CommitMessage(parsing: c.message) } catch { throw .invalidCommit(id, "\(error)") }
        guard message.type != CommitMessage.Kind.initial else { throw .invalidCommit(id, "a second initial commit") }
        let parent = try git.commit(c.parents[0])
        // Leaving removes one's own certificates: that author is checked on the parent.
        let leaving = message.type == CommitMessage.Kind.member && message["action"] == MemberAction.remove.rawValue
        let author = try CommitAuthor(of: c, tree: leaving ? parent.tree : c.tree, in: git, cache: certificates)
        try author.checkSignature(of: c, in: git)
        // Most commits (texts, reactions, edits) change no file: no diff needed for them.
        let changes = c.tree == parent.tree ? [] : Set(try git.changes(from: parent.id, to: c.id))
        let rules = FileRules(commit: id, author: author, changes: changes, git: git, parentTree: parent.tree, tree: c.tree, mode: mode)
        switch message.type {
        case CommitMessage.Kind.member: try rules.member(message)
        case CommitMessage.Kind.vote: try rules.vote(message)
        case CommitMessage.Kind.profile: try rules.profile()
        case CommitMessage.Kind.edit:
            try rules.onlyOwnCertificates()
            try checkEdit(message, by: author, commit: id)
        default: try rules.onlyOwnCertificates()
        }
    }

    /// The root: only our admin chain, our device certificate, CRLs and, for a 1:1, one
    /// invited file; a known mode.
    func validateRoot(_ c: GitCommit) throws(SwarmError) {
        let id = c.id.hex
        let message: CommitMessage
        do { message = try CommitMessage(parsing: c.message) } catch { throw .invalidCommit(id, "\(error)") }
        guard message.type == CommitMessage.Kind.initial, let raw = message.mode, let mode = ConversationMode(rawValue: raw) else {
            throw .invalidCommit(id, "the root commit is not an initial commit with a known mode")
        }
        let author = try CommitAuthor(of: c, tree: c.tree, in: git, cache: certificates)
        try author.checkSignature(of: c, in: git)
        guard author.isAdmin else { throw .invalidCommit(id, "the creator is not an admin") }
        for change in try git.changes(from: nil, to: c.id) {
            let p = change.path
            if p == ConversationLayout.admin(author.account) || p == ConversationLayout.device(author.device) || p.hasPrefix("CRLs/") { continue }
            if mode == .oneToOne, p == ConversationLayout.invited(message["invited"] ?? ""), message["invited"] != author.account { continue }
            throw .invalidCommit(id, "the root commit may not add \(p.prefix(120))")
        }
    }

    func checkEdit(_ message: CommitMessage, by author: CommitAuthor, commit id: String) throws(SwarmError) {
        guard let target = message["edit"].flatMap(ObjectID.init(hex:)), git.contains(target) else { throw .invalidCommit(id, "edits a commit that is not there") }
        let edited = try git.commit(target)
        guard let m = try? CommitMessage(parsing: edited.message), m.type == CommitMessage.Kind.text else {
            throw .invalidCommit(id, "edits a commit that is not a text message")
        }
        let original = try CommitAuthor(of: edited, tree: edited.tree, in: git, cache: certificates)
        guard original.account == author.account else { throw .invalidCommit(id, "edits another member's message") }
    }
}
