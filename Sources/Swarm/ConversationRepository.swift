import Foundation

/// One swarm conversation: a bare git repository whose branch `main` is the history every
/// member holds. The conversation id is the root commit's id.
///
/// Local writes go through ``commit(_:edits:by:at:)``: the commit is signed by the writing
/// device and `main` moves only if nobody moved it meanwhile. What comes from peers is checked
/// by ``HistoryValidator`` before `main` moves to it.
public final class ConversationRepository {
    public let id: ObjectID
    public let git: GitRepository

    init(id: ObjectID, git: GitRepository) {
        self.id = id
        self.git = git
    }

    /// Creates a conversation in a new folder under `parent`, named by its id: `admins/` with
    /// our account chain, `devices/` with our device certificate, and for a 1:1 the peer in
    /// `invited/`; the root commit `{"invited":…,"mode":…,"type":"initial"}`.
    public static func create(in parent: URL, mode: ConversationMode, invited: String? = nil, by author: SwarmAuthor, at time: Int64) throws(SwarmError) -> ConversationRepository {
        if mode == .oneToOne {
            guard let invited, ConversationLayout.isAccountID(Substring(invited)), invited != author.account else {
                throw .refused("a 1:1 conversation needs the other account's id")
            }
        }
        let staging = parent.appendingPathComponent(".new-\(UInt64.random(in: 1...UInt64.max))").path
        let git = try GitRepository.create(at: staging)
        var edits: [GitRepository.TreeEdit] = [.write(path: ConversationLayout.admin(author.account), bytes: author.accountChainPEM),
                                               .write(path: ConversationLayout.device(author.deviceID), bytes: author.devicePEM)]
        if mode == .oneToOne, let invited { edits.append(.write(path: ConversationLayout.invited(invited), bytes: [])) }
        let tree = try git.tree(from: nil, applying: edits)
        let message = CommitMessage.initial(mode: mode, invited: mode == .oneToOne ? invited : nil)
        // The id is the root commit's hash: two conversations started by one device in the same
        // second with the same members would be one. The later one is dated a second on.
        var root = try git.createSignedCommit(tree: tree, parents: [], name: author.name, email: author.deviceID, time: time,
                                              message: message.json, sign: author.sign)
        var later = time
        while FileManager.default.fileExists(atPath: parent.appendingPathComponent(root.hex).path), later < time + 3600 {
            later += 1
            root = try git.createSignedCommit(tree: tree, parents: [], name: author.name, email: author.deviceID, time: later,
                                              message: message.json, sign: author.sign)
        }
        try git.setReference(ConversationLayout.branch, to: root, expecting: nil)
        let final = parent.appendingPathComponent(root.hex).path
        do {
            try FileManager.default.moveItem(atPath: staging, toPath: final)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw .git("moving the new conversation into place: \(error)")
        }
        return ConversationRepository(id: root, git: try GitRepository.open(at: final))
    }

    /// Opens the conversation in `folder` (named by its id).
    public static func open(_ folder: URL) throws(SwarmError) -> ConversationRepository {
        guard let id = ObjectID(hex: folder.lastPathComponent) else { throw .notFound("\(folder.lastPathComponent) is not a conversation id") }
        let git = try GitRepository.open(at: folder.path)
        guard git.contains(id), try git.commit(id).parents.isEmpty else { throw .notFound("the root commit of \(id)") }
        return ConversationRepository(id: id, git: git)
    }

    /// The tip of `main`.
    public var head: ObjectID {
        get throws(SwarmError) {
            guard let h = git.reference(ConversationLayout.branch) else { throw .notFound("main of \(id)") }
            return h
        }
    }

    /// Commits `message` with `edits` on top of `main`, adding or refreshing our device
    /// certificate first (as jamid does before each commit). Returns the new commit's id.
    @discardableResult
    public func commit(_ message: CommitMessage, edits: [GitRepository.TreeEdit] = [], by author: SwarmAuthor, at time: Int64) throws(SwarmError) -> ObjectID {
        let parent = try head
        let base = try git.commit(parent).tree
        var all = edits
        let certificate = ConversationLayout.device(author.deviceID)
        if try git.file(certificate, in: base) != author.devicePEM { all.insert(.write(path: certificate, bytes: author.devicePEM), at: 0) }
        let tree = try git.tree(from: base, applying: all)
        let commit = try git.createSignedCommit(tree: tree, parents: [parent], name: author.name, email: author.deviceID, time: time,
                                                message: message.json, sign: author.sign)
        try git.setReference(ConversationLayout.branch, to: commit, expecting: parent)
        return commit
    }

    /// The commits of `main`, newest first, at most `limit`.
    public func history(limit: Int = 1_000_000) throws(SwarmError) -> [SwarmCommit] {
        try git.walk(from: [head], oldestFirst: false, limit: limit).map { (c) throws(SwarmError) in try SwarmCommit(try git.commit(c)) }
    }
}

/// A commit read as Jami means it: who wrote it and what it says.
public struct SwarmCommit: Sendable, Equatable {
    public let git: GitCommit
    public let message: CommitMessage
    public var id: ObjectID { git.id }
    /// The writing device's long id (the author e-mail).
    public var device: String { git.authorEmail }
    public var timestamp: Int64 { git.time }

    public init(_ git: GitCommit) throws(SwarmError) {
        self.git = git
        // Merge commits carry a plain-text message ("Merge commit '<sha>'").
        message = git.parents.count > 1 ? CommitMessage(type: "merge") : try CommitMessage(parsing: git.message)
    }
}
