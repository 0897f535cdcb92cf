import Swarm

/// A file offered in a conversation: the `application/data-transfer+json` commit's fields
/// (jami-protocol §6). Jami writes every value as a JSON string, the size included.
public struct FileOffer: Sendable, Equatable {
    /// The transfer id: a random number in decimal (jamid: 1 to 2^53, so JavaScript clients
    /// read it exactly; we accept any unsigned 64-bit one).
    public var tid: String
    /// The file's name as the sender showed it (never used as a path here).
    public var displayName: String
    public var size: UInt64
    /// SHA3-512 of the whole file, 128 lower-case hex digits.
    public var sha3: String

    public init(tid: String, displayName: String, size: UInt64, sha3: String) {
        self.tid = tid
        self.displayName = displayName
        self.size = size
        self.sha3 = sha3
    }

    /// Reads an offer from a commit; anything that could not come from a sending Jami device
    /// is refused (the fields are used in file names and in size checks).
    public init(_ message: CommitMessage) throws(TransferError) {
        guard message.type == CommitMessage.Kind.dataTransfer else { throw .malformedOffer("type \(message.type.prefix(40))") }
        guard let tid = message["tid"], Self.isTID(tid) else { throw .malformedOffer("tid") }
        guard let text = message["totalSize"], let size = UInt64(text) else { throw .malformedOffer("totalSize") }
        guard let sha3 = message["sha3sum"]?.lowercased(), sha3.utf8.count == 128, sha3.utf8.allSatisfy(Self.isHexDigit) else {
            throw .malformedOffer("sha3sum")
        }
        self.init(tid: tid, displayName: message["displayName"] ?? "", size: size, sha3: sha3)
    }

    /// The commit message that offers the file.
    public var message: CommitMessage {
        CommitMessage(type: CommitMessage.Kind.dataTransfer,
                      fields: ["tid": tid, "displayName": displayName, "totalSize": String(size), "sha3sum": sha3])
    }

    /// The file's id in the conversation whose commit `commit` offered it.
    public func fileID(commit: ObjectID) -> FileID { FileID(commit: commit, tid: tid, extension: FileID.extension(of: displayName)) }

    /// A transfer id for a new offer, drawn as jamid draws them: 1 to 2^53.
    public static func newTID<G: RandomNumberGenerator>(using rng: inout G) -> String {
        String(UInt64.random(in: 1...(1 << 53), using: &rng))
    }

    public static func newTID() -> String {
        var rng = SystemRandomNumberGenerator()
        return newTID(using: &rng)
    }

    static func isTID(_ text: String) -> Bool {
        (1...20).contains(text.utf8.count) && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && UInt64(text) != nil
    }

    static func isHexDigit(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) }
}
