import Connectivity
import Foundation
import Identity
import NIOCore
import Swarm

/// The account's conversations: git repositories under `conversations/` in its folder, served
/// to members' devices on `git://<our device>/<conversation>` channels and fetched from theirs.
/// One actor, because a libgit2 repository must not be used from two threads at once.
public actor SwarmService {
    let context: AccountContext
    let folder: URL
    let author: SwarmAuthor
    var repositories: [ObjectID: ConversationRepository] = [:]

    public init(context: AccountContext, folder: URL, displayName: String?) throws(DaemonError) {
        self.context = context
        self.folder = folder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            author = try SwarmAuthor(device: context.device, displayName: displayName)
        } catch {
            throw .storage("conversations folder: \(error)")
        }
    }

    var now: Int64 { context.scheduler.unixSeconds }

    /// The conversations on this device.
    public func conversations() -> [ObjectID] {
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
            return r.id
        } catch {
            throw .invalid("\(error)")
        }
    }

    /// Commits `message` (a text, an invitation, …) in `conversation`.
    public func commit(_ message: CommitMessage, edits: [GitRepository.TreeEdit] = [], in conversation: ObjectID) throws(DaemonError) -> ObjectID {
        do { return try repository(conversation).commit(message, edits: edits, by: author, at: now) } catch let e as DaemonError { throw e } catch { throw .invalid("\(error)") }
    }

    public func invite(_ account: PublicKeyID, to conversation: ObjectID) throws(DaemonError) -> ObjectID {
        do { return try repository(conversation).invite(account.hex, by: author, at: now) } catch let e as DaemonError { throw e } catch { throw .invalid("\(error)") }
    }

    public func join(_ conversation: ObjectID) throws(DaemonError) -> ObjectID {
        do { return try repository(conversation).join(by: author, at: now) } catch let e as DaemonError { throw e } catch { throw .invalid("\(error)") }
    }

    public func history(of conversation: ObjectID, limit: Int = 1000) throws(DaemonError) -> [SwarmCommit] {
        do { return try repository(conversation).history(limit: limit) } catch let e as DaemonError { throw e } catch { throw .storage("\(error)") }
    }

    /// The accounts in `admins/` and `members/` now (the invited are not notified, as in jamid).
    public func memberAccounts(_ conversation: ObjectID) -> [PublicKeyID] {
        guard let (r, tree) = headTree(conversation) else { return [] }
        let names = ((try? r.git.names(in: ConversationLayout.admins, tree: tree)) ?? []) + ((try? r.git.names(in: ConversationLayout.members, tree: tree)) ?? [])
        return names.compactMap { $0.hasSuffix(".crt") ? PublicKeyID(hex: String($0.dropLast(4))) : nil }
    }

    /// Whether `account` is an admin, a member or invited in `conversation` now.
    func mayFetch(_ account: PublicKeyID, _ conversation: ObjectID) -> Bool {
        guard let (r, tree) = headTree(conversation) else { return false }
        return [ConversationLayout.admin(account.hex), ConversationLayout.member(account.hex), ConversationLayout.invited(account.hex)]
            .contains { (try? r.git.file($0, in: tree)) != nil }
    }

    /// The repository and the tree of its `main`; nil when either is missing.
    private func headTree(_ conversation: ObjectID) -> (ConversationRepository, ObjectID)? {
        guard let r = try? repository(conversation), let tree = try? r.git.commit(try r.head).tree else { return nil }
        return (r, tree)
    }
}
