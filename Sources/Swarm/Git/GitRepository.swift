import CGit2
import Foundation

/// One bare git repository through libgit2: objects, references, history. A thin layer that
/// knows nothing of Jami; ``ConversationRepository`` builds conversations on it.
///
/// Not thread-safe (libgit2 objects of one repository must not be used concurrently): an
/// instance belongs to one actor or one thread.
public final class GitRepository {
    let handle: OpaquePointer
    public let path: String

    private init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit { git_repository_free(handle) }

    /// Creates an empty bare repository at `path` (folders made as needed), branch `main`.
    public static func create(at path: String) throws(SwarmError) -> GitRepository {
        Git.ensureInitialized()
        var options = git_repository_init_options()
        try Git.check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), "init options")
        options.flags |= UInt32(GIT_REPOSITORY_INIT_MKPATH.rawValue | GIT_REPOSITORY_INIT_BARE.rawValue)
        var repo: OpaquePointer?
        let rc = "main".withCString { head in
            options.initial_head = head
            return git_repository_init_ext(&repo, path, &options)
        }
        try Git.check(rc, "creating a repository at \(path)")
        return GitRepository(handle: repo!, path: path)
    }

    /// Opens the bare repository at `path`.
    public static func open(at path: String) throws(SwarmError) -> GitRepository {
        Git.ensureInitialized()
        var repo: OpaquePointer?
        try Git.check(git_repository_open_bare(&repo, path), "opening \(path)")
        return GitRepository(handle: repo!, path: path)
    }

    // MARK: References

    /// What `name` (`refs/heads/main`, …) points at; nil when it does not exist.
    public func reference(_ name: String) -> ObjectID? {
        var oid = git_oid()
        guard git_reference_name_to_id(&oid, handle, name) == 0 else { return nil }
        return ObjectID(oid)
    }

    /// Points `name` at `target` if it still points at `expected` (nil: must not exist yet), so a
    /// concurrent update is never lost silently.
    public func setReference(_ name: String, to target: ObjectID, expecting expected: ObjectID?) throws(SwarmError) {
        var ref: OpaquePointer?
        var oid = target.oid
        let rc: Int32
        if var current = expected?.oid {
            rc = git_reference_create_matching(&ref, handle, name, &oid, 1, &current, nil)
        } else {
            rc = git_reference_create(&ref, handle, name, &oid, 0, nil)
        }
        if let ref { git_reference_free(ref) }
        try Git.check(rc, "updating \(name)")
    }

    /// Every reference name (`refs/heads/main`, `refs/remotes/<device>/main`, …).
    public func referenceNames() throws(SwarmError) -> [String] {
        var names = git_strarray()
        try Git.check(git_reference_list(&names, handle), "listing references")
        defer { git_strarray_dispose(&names) }
        return (0..<names.count).compactMap { names.strings[$0].map { String(cString: $0) } }
    }

    public func deleteReference(_ name: String) {
        var ref: OpaquePointer?
        guard git_reference_lookup(&ref, handle, name) == 0, let ref else { return }
        _ = git_reference_delete(ref)
        git_reference_free(ref)
    }

    // MARK: Commits

    /// A commit as stored; throws ``SwarmError/notFound(_:)`` when there is none with that id.
    public func commit(_ id: ObjectID) throws(SwarmError) -> GitCommit {
        var oid = id.oid
        var c: OpaquePointer?
        guard git_commit_lookup(&c, handle, &oid) == 0, let c else { throw .notFound("commit \(id)") }
        defer { git_commit_free(c) }
        let author = git_commit_author(c)!.pointee
        let parents = (0..<git_commit_parentcount(c)).map { ObjectID(git_commit_parent_id(c, $0)!.pointee) }
        return GitCommit(id: id, parents: parents, tree: ObjectID(git_commit_tree_id(c)!.pointee),
                         authorName: author.name.map { String(cString: $0) } ?? "",
                         authorEmail: author.email.map { String(cString: $0) } ?? "",
                         time: Int64(author.when.time),
                         message: git_commit_message_raw(c).map { String(cString: $0) } ?? "")
    }

    public func contains(_ id: ObjectID) -> Bool {
        var oid = id.oid
        var c: OpaquePointer?
        guard git_commit_lookup(&c, handle, &oid) == 0, let c else { return false }
        git_commit_free(c)
        return true
    }

    /// Commits reachable from `tips` but not from `hiding`, parents before children when
    /// `oldestFirst`, at most `limit` (an error past it: a history that long is refused).
    public func walk(from tips: [ObjectID], hiding: [ObjectID] = [], oldestFirst: Bool, limit: Int = 1_000_000) throws(SwarmError) -> [ObjectID] {
        var walker: OpaquePointer?
        try Git.check(git_revwalk_new(&walker, handle), "starting a walk")
        defer { git_revwalk_free(walker) }
        let sorting = GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue | (oldestFirst ? GIT_SORT_REVERSE.rawValue : 0)
        try Git.check(git_revwalk_sorting(walker, sorting), "sorting a walk")
        for tip in tips {
            var oid = tip.oid
            try Git.check(git_revwalk_push(walker, &oid), "walking from \(tip)")
        }
        for h in hiding where contains(h) {
            var oid = h.oid
            try Git.check(git_revwalk_hide(walker, &oid), "hiding \(h)")
        }
        var out: [ObjectID] = []
        var oid = git_oid()
        while git_revwalk_next(&oid, walker) == 0 {
            out.append(ObjectID(oid))
            if out.count > limit { throw .refused("more than \(limit) commits") }
        }
        return out
    }
}

/// A commit's fields as stored.
public struct GitCommit: Sendable, Equatable {
    public let id: ObjectID
    public let parents: [ObjectID]
    public let tree: ObjectID
    public let authorName: String
    /// Jami puts the committing device's long id (64 hex) here.
    public let authorEmail: String
    /// Seconds since 1970.
    public let time: Int64
    public let message: String
}
