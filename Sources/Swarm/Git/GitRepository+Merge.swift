import CGit2

/// Ancestry and merges of two histories.
extension GitRepository {
    /// Whether `descendant` has `ancestor` in its history (false when they are the same).
    public func isDescendant(_ descendant: ObjectID, of ancestor: ObjectID) -> Bool {
        var d = descendant.oid, a = ancestor.oid
        return git_graph_descendant_of(handle, &d, &a) == 1
    }

    /// The tree merging `theirs` into `ours`. A conflict in `profile.vcf` keeps ours (as jamid
    /// resolves it); any other conflict is refused.
    public func mergedTree(ours: ObjectID, theirs: ObjectID) throws(SwarmError) -> ObjectID {
        var o = ours.oid, t = theirs.oid
        var oc: OpaquePointer?, tc: OpaquePointer?
        guard git_commit_lookup(&oc, handle, &o) == 0 else { throw .notFound("commit \(ours)") }
        defer { git_commit_free(oc) }
        guard git_commit_lookup(&tc, handle, &t) == 0 else { throw .notFound("commit \(theirs)") }
        defer { git_commit_free(tc) }
        var index: OpaquePointer?
        try Git.check(git_merge_commits(&index, handle, oc, tc, nil), "merging \(theirs) into \(ours)")
        defer { git_index_free(index) }
        if git_index_has_conflicts(index) == 1 {
            var ancestor: UnsafePointer<git_index_entry>?, mine: UnsafePointer<git_index_entry>?, other: UnsafePointer<git_index_entry>?
            guard git_index_conflict_get(&ancestor, &mine, &other, index, ConversationLayout.profile) == 0, let mine else {
                throw .refused("the histories conflict beyond profile.vcf")
            }
            var keep = mine.pointee
            keep.flags = 0
            _ = git_index_conflict_remove(index, ConversationLayout.profile)
            try Git.check(git_index_add(index, &keep), "keeping our profile.vcf")
            guard git_index_has_conflicts(index) == 0 else { throw .refused("the histories conflict beyond profile.vcf") }
        }
        var tree = git_oid()
        try Git.check(git_index_write_tree_to(&tree, index, handle), "writing the merged tree")
        return ObjectID(tree)
    }

    /// Points `name` at `target` whatever it pointed at (a peer's remote branch).
    public func forceReference(_ name: String, to target: ObjectID) throws(SwarmError) {
        var ref: OpaquePointer?
        var oid = target.oid
        let rc = git_reference_create(&ref, handle, name, &oid, 1, nil)
        if let ref { git_reference_free(ref) }
        try Git.check(rc, "updating \(name)")
    }
}
