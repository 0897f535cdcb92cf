import Foundation

/// What a fetch brings, taken in: quarantined, validated whole, moved in, merged.
extension ConversationRepository {
    /// The result of taking in a peer's history.
    public struct Integration: Sendable, Equatable {
        /// The peer's commits we did not have, oldest first (all validated).
        public let new: [ObjectID]
        /// `main` after: the peer's tip (fast-forward), our merge commit, or unchanged.
        public let head: ObjectID
        public let merged: Bool
    }

    /// Takes in `pack` and the peer's `tip` (from ``UploadPackClient``): the pack is indexed
    /// in a quarantine, every commit new to us is validated (oldest first), and only then do
    /// the objects move in, `refs/remotes/<device>/main` point at the tip and `main` move on
    /// (fast-forward, or a merge commit signed by `author`). Any failure leaves the repository
    /// as it was. At most `limit` new commits.
    public func integrate(tip: ObjectID, pack: [UInt8], from device: String, by author: SwarmAuthor, at time: Int64,
                          limit: Int = 1_000_000) throws(SwarmError) -> Integration {
        guard ConversationLayout.isDeviceID(Substring(device)) else { throw .refused("\(device.prefix(80)) is not a device id") }
        let main = try head
        var new: [ObjectID] = []
        if !git.contains(tip) {
            let quarantine = try Quarantine(for: git)
            try quarantine.git.store(pack: pack)
            guard quarantine.git.contains(tip) else { throw .refused("the pack does not hold the advertised tip \(tip)") }
            new = try quarantine.git.walk(from: [tip], hiding: [main], oldestFirst: true, limit: limit)
            try HistoryValidator(quarantine.git, conversation: id).validate(new)
            try quarantine.accept()
        }
        try git.forceReference(ConversationLayout.remoteBranch(device), to: tip)
        if tip == main || git.isDescendant(main, of: tip) { return Integration(new: new, head: main, merged: false) }
        if git.isDescendant(tip, of: main) {
            try git.setReference(ConversationLayout.branch, to: tip, expecting: main)
            return Integration(new: new, head: tip, merged: false)
        }
        var tree = try git.mergedTree(ours: main, theirs: tip)
        // A merge is checked by its author's certificate in its own tree, so a device that
        // never wrote here adds its certificate with its first merge (else every peer refuses it).
        let certificate = ConversationLayout.device(author.deviceID)
        if try git.file(certificate, in: tree) != author.devicePEM {
            tree = try git.tree(from: tree, applying: [.write(path: certificate, bytes: author.devicePEM)])
        }
        let merge = try git.createSignedCommit(tree: tree, parents: [main, tip], name: author.name, email: author.deviceID, time: time,
                                               message: "Merge commit '\(tip.hex)'", sign: author.sign)
        try git.setReference(ConversationLayout.branch, to: merge, expecting: main)
        return Integration(new: new, head: merge, merged: true)
    }

    /// A copy of a peer's conversation, made from its root: the whole history validated before
    /// the folder exists under its id.
    public static func clone(_ conversation: ObjectID, tip: ObjectID, pack: [UInt8], into parent: URL, limit: Int = 1_000_000) throws(SwarmError) -> ConversationRepository {
        let staging = parent.appendingPathComponent(".clone-\(UInt64.random(in: 1...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: staging) }
        let git = try GitRepository.create(at: staging.path)
        try git.store(pack: pack)
        guard git.contains(tip), git.contains(conversation) else { throw .refused("the pack does not hold the conversation") }
        let history = try git.walk(from: [tip], oldestFirst: true, limit: limit)
        guard history.first == conversation else { throw .refused("the history does not start at \(conversation)") }
        try HistoryValidator(git, conversation: conversation).validate(history)
        try git.setReference(ConversationLayout.branch, to: tip, expecting: nil)
        let final = parent.appendingPathComponent(conversation.hex)
        do {
            try FileManager.default.moveItem(at: staging, to: final)
        } catch {
            throw .git("moving the clone into place: \(error)")
        }
        return try open(final)
    }
}
