import Connectivity
import DaemonWire
import FileTransfer
import Foundation
import Identity
import Swarm

/// The files of the account's conversations (jami-protocol §6): offers we make, downloads
/// from members' devices over `data-transfer://` channels, and serving the files we have to
/// members who ask.
///
/// On disk, in `conversation_data/<conversation>/` beside `conversations/`:
/// `<commit>` is a complete file (ours, or downloaded and checked), `<commit>.part` what
/// arrived of one not complete yet; a download resumes from the part's size. A commit offers
/// one file, and its id is 40 hex: nothing a peer sends becomes a path.
public actor TransferService {
    public struct Settings: Sendable {
        /// Files offered by others up to this size are downloaded as soon as they are seen
        /// (0: never automatically).
        public var autoDownloadLimit: Int64 = 20 << 20
        /// A source that sends nothing for this long is dropped for the next.
        public var idleTimeout = Duration.seconds(30)
        /// How long a download waits before trying its sources again when none could serve it.
        public var retryDelays: [Duration] = [.seconds(10), .seconds(30), .seconds(60), .seconds(300)]
        /// Bytes per second each file we serve is sent at, at most (0: as fast as the peer reads).
        public var uploadRateLimit: Int64 = 0
        /// How many files are served at once, and how many requests wait for their turn
        /// (``UploadSlots``).
        public var uploadLimits = UploadSlots.Limits()
        public init() {}
    }

    let context: AccountContext
    let folder: URL
    let swarm: SwarmService
    let settings: Settings
    /// A socket to a device (short id) of an account, connecting if needed.
    let connect: @Sendable (PublicKeyID) async throws(DaemonError) -> PeerSocket
    /// Whether a socket to a device is open now (those are asked first: no connection to wait for).
    let isConnected: @Sendable (PublicKeyID) async -> Bool

    /// Downloads under way (or waiting for a source), by conversation and file.
    var active: [Key: Active] = [:]
    /// The last failure of a download that is not under way, for ``info(_:in:)``.
    var failures: [Key: String] = [:]
    var cancelled: Set<Key> = []
    /// Turns of the files we serve.
    let uploads: UploadSlots

    /// A file: the conversation and the commit that offered it.
    struct Key: Hashable, Sendable {
        var conversation: ObjectID
        var commit: ObjectID
    }

    public init(context: AccountContext, folder: URL, swarm: SwarmService, settings: Settings = Settings(),
                connect: @escaping @Sendable (PublicKeyID) async throws(DaemonError) -> PeerSocket,
                isConnected: @escaping @Sendable (PublicKeyID) async -> Bool = { _ in false }) {
        self.context = context
        self.folder = folder
        self.swarm = swarm
        self.settings = settings
        uploads = UploadSlots(settings.uploadLimits)
        self.connect = connect
        self.isConnected = isConnected
    }

    // MARK: paths

    nonisolated func directory(_ conversation: ObjectID) -> URL { folder.appendingPathComponent(conversation.hex, isDirectory: true) }
    nonisolated func completePath(_ key: Key) -> URL { directory(key.conversation).appendingPathComponent(key.commit.hex) }
    nonisolated func partPath(_ key: Key) -> URL { directory(key.conversation).appendingPathComponent(key.commit.hex + ".part") }

    /// The size of a regular file (never a symbolic link's target), nil when there is none.
    static func size(of url: URL) -> Int64? {
        var st = stat()
        guard lstat(url.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(st.st_size)
    }

    /// Free bytes on the file system that holds `url`.
    static func freeSpace(at url: URL) -> Int64? {
        var fs = statvfs()
        guard statvfs(url.path, &fs) == 0 else { return nil }
        return Int64(fs.f_bavail) * Int64(fs.f_frsize)
    }

    // MARK: what clients see

    /// Every file offered in `conversation`, oldest first.
    public func files(in conversation: ObjectID) async throws(DaemonError) -> [API.FileTransfer] {
        var out: [API.FileTransfer] = []
        for m in try await swarm.fileMessages(in: conversation) {
            if let commit = ObjectID(hex: m.id), let f = try? await info(commit, in: conversation) { out.append(f) }
        }
        return out
    }

    /// The file offered by message `commit` and where its transfer stands.
    public func info(_ commit: ObjectID, in conversation: ObjectID) async throws(DaemonError) -> API.FileTransfer {
        let (offer, _) = try await swarm.offer(at: commit, in: conversation)
        let author = try await swarm.message(commit, in: conversation).author
        let key = Key(conversation: conversation, commit: commit)
        var view = API.FileTransfer(id: offer.fileID(commit: commit).description, conversation: conversation.hex, message: commit.hex, author: author,
                                    name: offer.displayName, size: Int64(offer.size), sha3: offer.sha3, state: .remote, bytes: 0)
        if Self.size(of: completePath(key)) != nil {
            view.state = .complete
            view.bytes = view.size
            view.path = completePath(key).path
        } else if let a = active[key] {
            view.state = a.ongoing.load(ordering: .relaxed) ? .ongoing : .waiting
            view.bytes = a.bytes.load(ordering: .relaxed)
        } else {
            view.bytes = Self.size(of: partPath(key)) ?? 0
            if let reason = failures[key] {
                view.state = .failed
                view.reason = reason
            } else if cancelled.contains(key) {
                view.state = .cancelled
            } else if view.bytes > 0 {
                view.state = .waiting
            }
        }
        return view
    }

    func emitState(_ key: Key, _ offer: FileOffer, _ state: API.FileState, bytes: Int64, detail: String? = nil) {
        context.emit(.transferState) { e in
            e.conversationId = key.conversation.hex
            e.fileId = offer.fileID(commit: key.commit).description
            e.state = state.rawValue
            e.bytes = bytes
            e.total = Int64(offer.size)
            e.detail = detail
        }
    }

    /// Resumes the downloads a restart interrupted (every `.part` file).
    public func resumeInterrupted() {
        let conversations = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for c in conversations.compactMap({ ObjectID(hex: $0) }) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory(c).path)) ?? [] where name.hasSuffix(".part") {
                guard let commit = ObjectID(hex: String(name.dropLast(5))) else { continue }
                context.logger.info("resuming a download", metadata: ["conversation": "\(c)", "message": "\(commit)"])
                start(Key(conversation: c, commit: commit))
            }
        }
    }
}
