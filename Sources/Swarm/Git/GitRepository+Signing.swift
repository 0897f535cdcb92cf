import CGit2
import Foundation

/// Commits signed the way Jami signs them: the commit object without the header is signed by
/// the device key, and the base64 signature stored as an extra header named `signature`.
extension GitRepository {
    /// Writes a commit of `tree` with `parents`, author and committer `name <email>` at `time`
    /// (+0000), signed by `sign` over the unsigned commit buffer. Moves no reference.
    public func createSignedCommit(tree: ObjectID, parents: [ObjectID], name: String, email: String, time: Int64, message: String,
                                   sign: ([UInt8]) throws(SwarmError) -> [UInt8]) throws(SwarmError) -> ObjectID {
        var signature: UnsafeMutablePointer<git_signature>?
        try Git.check(git_signature_new(&signature, name, email, git_time_t(time), 0), "making the author line")
        defer { git_signature_free(signature) }
        var commits: [OpaquePointer?] = []
        defer { for c in commits { git_commit_free(c) } }
        for p in parents {
            var oid = p.oid
            var c: OpaquePointer?
            guard git_commit_lookup(&c, handle, &oid) == 0 else { throw .notFound("parent \(p)") }
            commits.append(c)
        }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try withTree(tree) { (t) throws(SwarmError) in
            let rc = commits.withUnsafeMutableBufferPointer { ps in
                ps.baseAddress!.withMemoryRebound(to: OpaquePointer?.self, capacity: max(1, ps.count)) { base in
                    git_commit_create_buffer(&buffer, handle, signature, signature, nil, message, t, ps.count, ps.count == 0 ? nil : base)
                }
            }
            try Git.check(rc, "making the commit buffer")
        }
        let unsigned = Array(UnsafeRawBufferPointer(start: buffer.ptr, count: buffer.size))
        let signed = Data(try sign(unsigned)).base64EncodedString()
        var oid = git_oid()
        try Git.check(git_commit_create_with_signature(&oid, handle, buffer.ptr, signed, "signature"), "writing the signed commit")
        return ObjectID(oid)
    }

    /// The `signature` header of a commit (base64 as stored) and the bytes it signs; nil when
    /// the commit has none.
    public func signature(of id: ObjectID) throws(SwarmError) -> (signature: [UInt8], signedData: [UInt8])? {
        var sig = git_buf(), data = git_buf()
        defer { git_buf_dispose(&sig); git_buf_dispose(&data) }
        var oid = id.oid
        let rc = git_commit_extract_signature(&sig, &data, handle, &oid, "signature")
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try Git.check(rc, "reading the signature of \(id)")
        return (Array(UnsafeRawBufferPointer(start: sig.ptr, count: sig.size)), Array(UnsafeRawBufferPointer(start: data.ptr, count: data.size)))
    }
}
