import CGit2
import Foundation

/// Packs: made for a peer's fetch, and taken from one.
extension GitRepository {
    /// One pack of every object reachable from `wants` and not from those of `haves` we have.
    /// Refused past `limit` bytes.
    public func pack(wants: [ObjectID], haves: [ObjectID], limit: Int = 256 << 20) throws(SwarmError) -> [UInt8] {
        var builder: OpaquePointer?
        try Git.check(git_packbuilder_new(&builder, handle), "starting a pack")
        defer { git_packbuilder_free(builder) }
        var walker: OpaquePointer?
        try Git.check(git_revwalk_new(&walker, handle), "starting a walk")
        defer { git_revwalk_free(walker) }
        for w in wants {
            var oid = w.oid
            guard git_revwalk_push(walker, &oid) == 0 else { throw .notFound("commit \(w)") }
        }
        for h in haves where contains(h) {
            var oid = h.oid
            _ = git_revwalk_hide(walker, &oid)
        }
        try Git.check(git_packbuilder_insert_walk(builder, walker), "listing the pack's objects")
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try Git.check(git_packbuilder_write_buf(&buffer, builder), "writing the pack")
        guard buffer.size <= limit else { throw .refused("the pack would be \(buffer.size) bytes (at most \(limit))") }
        return Array(UnsafeRawBufferPointer(start: buffer.ptr, count: buffer.size))
    }

    /// Indexes a pack received from a peer into this repository's object store. libgit2's
    /// indexer checks every object's hash and the pack's checksum; a pack that is not one fails.
    ///
    /// The header is checked first: libgit2 sizes its tables by the object count the header
    /// claims, so a 12-byte pack announcing two billion objects would make it allocate
    /// gigabytes (found by FuzzSwarm). Every object takes at least two bytes of the pack.
    public func store(pack bytes: [UInt8], maxObjects: Int = 1_000_000) throws(SwarmError) {
        guard bytes.count >= 32, bytes.starts(with: Array("PACK".utf8)) else { throw .refused("not a pack") }
        let version = bytes[4..<8].reduce(0) { $0 << 8 | Int($1) }
        let count = bytes[8..<12].reduce(0) { $0 << 8 | Int($1) }
        guard version == 2 || version == 3 else { throw .refused("pack version \(version)") }
        guard count <= maxObjects, count <= (bytes.count - 32) / 2 else { throw .refused("a pack of \(bytes.count) bytes announcing \(count) objects") }
        var odb: OpaquePointer?
        try Git.check(git_repository_odb(&odb, handle), "opening the object store")
        defer { git_odb_free(odb) }
        var writer: UnsafeMutablePointer<git_odb_writepack>?
        try Git.check(git_odb_write_pack(&writer, odb, nil, nil), "starting to store a pack")
        guard let w = writer else { throw .git("no pack writer") }
        defer { w.pointee.free(w) }
        var progress = git_indexer_progress()
        try Git.check(bytes.withUnsafeBytes { w.pointee.append(w, $0.baseAddress, $0.count, &progress) }, "reading the pack")
        try Git.check(w.pointee.commit(w, &progress), "indexing the pack")
    }
}

/// A repository for what a fetch brings, beside the conversation's: it reads the
/// conversation's objects (git's alternates) but writes its own, so a history that fails
/// validation leaves nothing behind, and one that passes is moved in whole.
public final class Quarantine {
    public let git: GitRepository
    let folder: URL
    let target: URL

    /// Makes an empty quarantine next to `repository` (a bare repository's folder).
    public init(for repository: GitRepository) throws(SwarmError) {
        target = URL(fileURLWithPath: repository.path)
        folder = target.deletingLastPathComponent().appendingPathComponent(".incoming-\(UInt64.random(in: 1...UInt64.max))")
        _ = try GitRepository.create(at: folder.path)
        let alternates = folder.appendingPathComponent("objects/info/alternates")
        do {
            try FileManager.default.createDirectory(at: alternates.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((target.appendingPathComponent("objects").path + "\n").utf8).write(to: alternates)
        } catch {
            throw .git("preparing a quarantine: \(error)")
        }
        // Opened after the alternates exist, so its object store reads through them.
        git = try GitRepository.open(at: folder.path)
    }

    /// Moves the quarantined packs into the conversation's object store.
    public func accept() throws(SwarmError) {
        let from = folder.appendingPathComponent("objects/pack"), to = target.appendingPathComponent("objects/pack")
        do {
            try FileManager.default.createDirectory(at: to, withIntermediateDirectories: true)
            // The index last: git only sees a pack once its .idx is there.
            let names = try FileManager.default.contentsOfDirectory(atPath: from.path).sorted { a, _ in !a.hasSuffix(".idx") }
            for name in names where name.hasSuffix(".pack") || name.hasSuffix(".idx") {
                let dest = to.appendingPathComponent(name)
                if !FileManager.default.fileExists(atPath: dest.path) { try FileManager.default.moveItem(at: from.appendingPathComponent(name), to: dest) }
            }
        } catch {
            throw .git("moving a fetched pack in: \(error)")
        }
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}
