import CGit2

/// Files in commits: reading them, listing folders, building the next tree, and what a commit
/// changed.
extension GitRepository {
    /// One change to a tree.
    public enum TreeEdit: Sendable, Equatable {
        case write(path: String, bytes: [UInt8])
        case remove(path: String)
        /// Every file under a folder (`votes/ban/members/<id>`, say).
        case removeFolder(path: String)
    }

    /// A file a commit added, modified or deleted relative to its parent.
    public struct FileChange: Sendable, Hashable {
        public enum Kind: Sendable, Hashable { case added, modified, deleted }
        public let path: String
        public let kind: Kind
    }

    /// The bytes of the file at `path` in `tree`; nil when there is none. Files larger than
    /// `limit` are refused (certificates and profiles are small; nothing from a peer may make
    /// us load an arbitrary blob).
    public func file(_ path: String, in tree: ObjectID, limit: Int = 8 << 20) throws(SwarmError) -> [UInt8]? {
        try withTree(tree) { (t) throws(SwarmError) -> [UInt8]? in
            var entry: OpaquePointer?
            guard git_tree_entry_bypath(&entry, t, path) == 0, let entry else { return nil }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            var blob: OpaquePointer?
            try Git.check(git_blob_lookup(&blob, handle, git_tree_entry_id(entry)), "reading \(path)")
            defer { git_blob_free(blob) }
            let size = Int(git_blob_rawsize(blob))
            guard size <= limit else { throw .refused("\(path) is \(size) bytes (at most \(limit))") }
            guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
            return Array(UnsafeRawBufferPointer(start: raw, count: size))
        }
    }

    /// The bytes of blob `id`; nil when it is not there. Larger than `limit`: refused.
    public func blob(_ id: ObjectID, limit: Int) throws(SwarmError) -> [UInt8]? {
        var oid = id.oid
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, handle, &oid) == 0, let blob else { return nil }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size <= limit else { throw .refused("blob \(id) is \(size) bytes (at most \(limit))") }
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// The id of the file at `path` in `tree` (its content's hash), without reading it; nil
    /// when there is none.
    public func fileID(_ path: String, in tree: ObjectID) throws(SwarmError) -> ObjectID? {
        try withTree(tree) { (t) throws(SwarmError) -> ObjectID? in
            var entry: OpaquePointer?
            guard git_tree_entry_bypath(&entry, t, path) == 0, let entry else { return nil }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            return ObjectID(git_tree_entry_id(entry)!.pointee)
        }
    }

    /// The names directly in folder `path` of `tree` (files and folders); empty when there is
    /// no such folder.
    public func names(in path: String, tree: ObjectID) throws(SwarmError) -> [String] {
        try withTree(tree) { (root) throws(SwarmError) -> [String] in
            var entry: OpaquePointer?
            guard git_tree_entry_bypath(&entry, root, path) == 0, let entry else { return [] }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return [] }
            return try withTree(ObjectID(git_tree_entry_id(entry)!.pointee)) { sub in
                (0..<git_tree_entrycount(sub)).compactMap { git_tree_entry_byindex(sub, $0).flatMap { git_tree_entry_name($0) }.map { String(cString: $0) } }
            }
        }
    }

    /// `base` (nil: empty) with `edits` applied, written to the object store.
    public func tree(from base: ObjectID?, applying edits: [TreeEdit]) throws(SwarmError) -> ObjectID {
        var index: OpaquePointer?
        try Git.check(git_index_new(&index), "making an index")
        defer { git_index_free(index) }
        if let base {
            try withTree(base) { (t) throws(SwarmError) in try Git.check(git_index_read_tree(index, t), "reading tree \(base)") }
        }
        for edit in edits {
            switch edit {
            case .write(let path, let bytes):
                // The blob first: an index not backed by a repository cannot write one.
                var blob = git_oid()
                try Git.check(bytes.withUnsafeBytes { git_blob_create_from_buffer(&blob, handle, $0.baseAddress, $0.count) }, "writing \(path)")
                var entry = git_index_entry()
                entry.mode = UInt32(GIT_FILEMODE_BLOB.rawValue)
                entry.id = blob
                entry.file_size = UInt32(truncatingIfNeeded: bytes.count)
                let rc = path.withCString { p in
                    entry.path = p
                    return git_index_add(index, &entry)
                }
                try Git.check(rc, "adding \(path)")
            case .remove(let path):
                _ = git_index_remove(index, path, 0)
            case .removeFolder(let path):
                _ = git_index_remove_directory(index, path, 0)
            }
        }
        var oid = git_oid()
        try Git.check(git_index_write_tree_to(&oid, index, handle), "writing a tree")
        return ObjectID(oid)
    }

    /// What `commit` changed against `parent` (nil: against nothing, as for a root commit).
    public func changes(from parent: ObjectID?, to commit: ObjectID) throws(SwarmError) -> [FileChange] {
        let new = try self.commit(commit).tree
        let old = try parent.map { (p) throws(SwarmError) in try self.commit(p).tree }
        return try withTree(new) { (newTree) throws(SwarmError) -> [FileChange] in
            func diff(_ oldTree: OpaquePointer?) throws(SwarmError) -> [FileChange] {
                var d: OpaquePointer?
                try Git.check(git_diff_tree_to_tree(&d, handle, oldTree, newTree, nil), "diffing \(commit)")
                defer { git_diff_free(d) }
                return (0..<git_diff_num_deltas(d)).compactMap { i -> FileChange? in
                    guard let delta = git_diff_get_delta(d, i)?.pointee else { return nil }
                    let path = String(cString: (delta.status == GIT_DELTA_DELETED ? delta.old_file.path : delta.new_file.path)!)
                    switch delta.status {
                    case GIT_DELTA_ADDED: return FileChange(path: path, kind: .added)
                    case GIT_DELTA_DELETED: return FileChange(path: path, kind: .deleted)
                    default: return FileChange(path: path, kind: .modified)
                    }
                }
            }
            if let old { return try withTree(old) { (o) throws(SwarmError) in try diff(o) } }
            return try diff(nil)
        }
    }

    func withTree<T>(_ id: ObjectID, _ body: (OpaquePointer) throws(SwarmError) -> T) throws(SwarmError) -> T {
        var oid = id.oid
        var t: OpaquePointer?
        guard git_tree_lookup(&t, handle, &oid) == 0, let t else { throw .notFound("tree \(id)") }
        defer { git_tree_free(t) }
        return try body(t)
    }
}
