import DaemonWire
import FileTransfer
import Swarm

// Files in conversations, as the local API sees them.
extension AccountRuntime {
    func transfers() throws(DaemonError) -> TransferService {
        guard let t = online?.transfers else { throw .network("the account is offline or its conversations are off") }
        return t
    }

    /// Offers the file at `path` in `conversation`: copied and hashed, committed, then the
    /// members notified (their devices download it when they want it).
    public func sendFile(_ path: String, name: String?, in conversation: ObjectID) async throws(DaemonError) -> API.FileTransfer {
        let swarm = try swarm(), transfers = try transfers()
        guard await swarm.holds(conversation) else { throw DaemonError(.noSuchConversation, conversation.hex) }
        let staged = try await transfers.stage(path, name: name, in: conversation)
        let commit: ObjectID
        do {
            commit = try await swarm.commit(staged.offer.message, in: conversation)
            try await transfers.place(staged, commit: commit, in: conversation)
        } catch {
            transfers.discard(staged)
            throw error
        }
        _ = await committed(commit, in: conversation)
        return try await transfers.info(commit, in: conversation)
    }

    public func files(in conversation: ObjectID) async throws(DaemonError) -> [API.FileTransfer] {
        try await transfers().files(in: conversation)
    }

    public func file(_ message: ObjectID, in conversation: ObjectID) async throws(DaemonError) -> API.FileTransfer {
        try await transfers().info(message, in: conversation)
    }

    public func downloadFile(_ message: ObjectID, in conversation: ObjectID) async throws(DaemonError) -> API.FileTransfer {
        try await transfers().download(message, in: conversation)
    }

    public func cancelFile(_ message: ObjectID, in conversation: ObjectID) async throws(DaemonError) {
        try await transfers().cancel(message, in: conversation)
    }
}
