extension API {
    /// A file offered in a conversation (an `application/data-transfer+json` message) and
    /// where its transfer to this device stands.
    public struct FileTransfer: Codable, Sendable, Equatable {
        /// Jami's file id: `<message>_<tid>[.ext]`.
        public var id: String
        public var conversation: String
        /// The offering message's id (40 hex): the handle the API's file calls take.
        public var message: String
        /// The account that offered it.
        public var author: String
        /// The name the sender gave it.
        public var name: String
        public var size: Int64
        /// SHA3-512 of the file (128 hex), checked before it is `complete`.
        public var sha3: String
        public var state: FileState
        /// Bytes on this device (all of them when `complete`).
        public var bytes: Int64
        /// Where the daemon keeps the complete file; nil until then.
        public var path: String?
        /// Why it failed, when `failed`.
        public var reason: String?

        public init(id: String, conversation: String, message: String, author: String, name: String, size: Int64, sha3: String,
                    state: FileState, bytes: Int64, path: String? = nil, reason: String? = nil) {
            self.id = id
            self.conversation = conversation
            self.message = message
            self.author = author
            self.name = name
            self.size = size
            self.sha3 = sha3
            self.state = state
            self.bytes = bytes
            self.path = path
            self.reason = reason
        }
    }

    /// `remote`: not here (nothing asked); `waiting`: asked, no device reached yet;
    /// `ongoing`; `complete` (ours, or downloaded and checked); `failed` (`reason` says why;
    /// what arrived is kept when it may be resumed); `cancelled`.
    public enum FileState: String, Codable, Sendable { case remote, waiting, ongoing, complete, failed, cancelled }

    public struct FileList: Codable, Sendable, Equatable {
        public var files: [FileTransfer]
        public init(files: [FileTransfer]) { self.files = files }
    }

    /// The body of `POST …/files`: a file on the daemon's machine, offered to the conversation.
    /// The daemon copies it (while hashing it) into its own folder: later changes of the
    /// original change nothing that was offered.
    public struct SendFile: Codable, Sendable, Equatable {
        /// An absolute path the daemon can read.
        public var path: String
        /// The name shown to members; the path's last part when nil.
        public var name: String?
        public init(path: String, name: String? = nil) {
            self.path = path
            self.name = name
        }
    }
}
