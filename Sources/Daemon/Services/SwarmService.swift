import Connectivity
import FileTransfer
import Foundation
import Identity
import NIOCore
import Swarm
import SwarmIndex

/// The account's conversations: git repositories under `conversations/` in its folder, served
/// to members' devices on `git://<our device>/<conversation>` channels and fetched from theirs.
/// One actor, because a libgit2 repository must not be used from two threads at once.
///
/// Every change of a repository (our commits, validated fetches, clones) is followed by an
/// update of the ``MessageIndex`` (`messages.sqlite` beside the folder), which publishes the
/// events clients see: new messages, edits and reactions, member changes.
public actor SwarmService {
    let context: AccountContext
    let folder: URL
    let author: SwarmAuthor
    let index: MessageIndex
    var repositories: [ObjectID: ConversationRepository] = [:]
    var notifiedFetches = FetchCoalescer()
    /// Reads of messages not here yet (a member's receipt, another device's position that
    /// came before the commit), applied once the commit is indexed; one per conversation and
    /// member, so a flood of receipts keeps one each.
    var pendingReads: [ObjectID: [PublicKeyID: ObjectID]] = [:]
    /// Told of each file another account offers (not of those in a long catch-up), for
    /// automatic downloads.
    var fileOffered: (@Sendable (_ conversation: ObjectID, _ commit: ObjectID, _ offer: FileOffer) -> Void)?

    public func onFileOffered(_ handler: @escaping @Sendable (_ conversation: ObjectID, _ commit: ObjectID, _ offer: FileOffer) -> Void) {
        fileOffered = handler
    }

    /// - Parameter index: the index file; nil keeps it in memory (the simulation).
    public init(context: AccountContext, folder: URL, index: URL?, displayName: String?) throws(DaemonError) {
        self.context = context
        self.folder = folder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            author = try SwarmAuthor(device: context.device, displayName: displayName)
            self.index = try index.map { (url) throws(MessageIndexError) in try MessageIndex(path: url.path) } ?? MessageIndex()
        } catch {
            throw .storage("conversations: \(error)")
        }
    }

    /// Brings the index up to every repository (a new or rebuilt index, a crash between a
    /// fetch and its indexing), and erases the conversations left more than a day ago.
    public func catchUp() {
        for id in allConversations() {
            if let left = leftAt(id), now - left > 86_400 {
                erase(id)
                continue
            }
            indexed(id, publishing: false)
        }
    }

    var now: Int64 { context.scheduler.unixSeconds }

    func beginFetch(_ conversation: ObjectID, from device: PublicKeyID) -> Bool {
        notifiedFetches.begin(.init(conversation: conversation, device: device))
    }

    func endFetch(_ conversation: ObjectID, from device: PublicKeyID) -> Bool {
        notifiedFetches.end(.init(conversation: conversation, device: device))
    }

    /// The conversations on this device (not those we left).
    public func conversations() -> [ObjectID] { allConversations().filter { leftAt($0) == nil } }

    /// Whether `conversation` is on this device and not left: one file check, not a listing
    /// (it runs for every notification that arrives).
    public func holds(_ conversation: ObjectID) -> Bool { has(conversation) && leftAt(conversation) == nil }

    /// Whether its repository is here, left or not.
    public func has(_ conversation: ObjectID) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(conversation.hex).path)
    }

    func allConversations() -> [ObjectID] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { ObjectID(hex: $0) }.sorted()
    }

    func repository(_ id: ObjectID) throws(DaemonError) -> ConversationRepository {
        if let r = repositories[id] { return r }
        do {
            let r = try ConversationRepository.open(folder.appendingPathComponent(id.hex))
            repositories[id] = r
            return r
        } catch {
            throw DaemonError(.noSuchConversation, id.hex)
        }
    }

    /// Starts a conversation; for a 1:1, `invited` is the other account.
    public func create(mode: ConversationMode, invited: PublicKeyID? = nil) throws(DaemonError) -> ObjectID {
        do {
            let r = try ConversationRepository.create(in: folder, mode: mode, invited: invited?.hex, by: author, at: now)
            repositories[r.id] = r
            indexed(r.id)
            context.emit(.conversationChanged) { $0.conversationId = r.id.hex; $0.state = "created" }
            return r.id
        } catch {
            throw .invalid("\(error)")
        }
    }

    /// Commits `message` (a text, an edit, a reaction, …) in `conversation`.
    public func commit(_ message: CommitMessage, edits: [GitRepository.TreeEdit] = [], in conversation: ObjectID) throws(DaemonError) -> ObjectID {
        try changing(conversation) { (r) throws(SwarmError) in try r.commit(message, edits: edits, by: author, at: now) }
    }

    public func invite(_ account: PublicKeyID, to conversation: ObjectID) throws(DaemonError) -> ObjectID {
        try changing(conversation) { (r) throws(SwarmError) in try r.invite(account.hex, by: author, at: now) }
    }

    public func join(_ conversation: ObjectID) throws(DaemonError) -> ObjectID {
        try changing(conversation) { (r) throws(SwarmError) in try r.join(by: author, at: now) }
    }

    /// Removes `account` (ourselves: leaving; the repository stays a day, for members to fetch
    /// the removal from us, hidden meanwhile).
    public func remove(_ account: PublicKeyID, from conversation: ObjectID) throws(DaemonError) -> ObjectID {
        let commit = try changing(conversation) { (r) throws(SwarmError) in try r.remove(account.hex, by: author, at: now) }
        if account == context.account {
            markLeft(conversation)
            context.emit(.conversationChanged) { $0.conversationId = conversation.hex; $0.state = "left" }
        }
        return commit
    }

    public func ban(_ account: PublicKeyID, in conversation: ObjectID) throws(DaemonError) -> ObjectID {
        try changing(conversation) { (r) throws(SwarmError) in try r.ban(account.hex, by: author, at: now) }
    }

    public func unban(_ account: PublicKeyID, in conversation: ObjectID) throws(DaemonError) -> ObjectID {
        try changing(conversation) { (r) throws(SwarmError) in try r.unban(account.hex, by: author, at: now) }
    }

    /// A local change of `conversation`, then its indexing. A refusal of the conversation's
    /// rules is ``DaemonError/Code/notAllowed``.
    func changing(_ conversation: ObjectID, _ change: (ConversationRepository) throws(SwarmError) -> ObjectID) throws(DaemonError) -> ObjectID {
        let r = try repository(conversation)
        do {
            let commit = try change(r)
            indexed(conversation)
            return commit
        } catch .refused(let why) {
            throw DaemonError(.notAllowed, why)
        } catch {
            throw .invalid("\(error)")
        }
    }

    public func history(of conversation: ObjectID, limit: Int = 1000) throws(DaemonError) -> [SwarmCommit] {
        do { return try repository(conversation).history(limit: limit) } catch let e as DaemonError { throw e } catch { throw .storage("\(error)") }
    }

    /// The accounts in `admins/` and `members/` now (the invited are not notified, as in jamid).
    public func memberAccounts(_ conversation: ObjectID) -> [PublicKeyID] {
        guard let roles = try? repository(conversation).roles() else { return [] }
        return roles.filter { $0.value == .admin || $0.value == .member }.keys.compactMap(PublicKeyID.init(hex:)).sorted { $0.hex < $1.hex }
    }

    /// Whether `account` is an admin, a member or invited in `conversation` now.
    func mayFetch(_ account: PublicKeyID, _ conversation: ObjectID) -> Bool {
        guard let (r, tree) = headTree(conversation) else { return false }
        return [ConversationLayout.admin(account.hex), ConversationLayout.member(account.hex), ConversationLayout.invited(account.hex)]
            .contains { (try? r.git.file($0, in: tree)) != nil }
    }

    /// The repository and the tree of its `main`; nil when either is missing.
    func headTree(_ conversation: ObjectID) -> (ConversationRepository, ObjectID)? {
        guard let r = try? repository(conversation), let tree = try? r.git.commit(try r.head).tree else { return nil }
        return (r, tree)
    }
}
