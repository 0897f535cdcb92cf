/// What an upload-pack session reads from the repository it serves.
public protocol UploadPackSource {
    /// The tip of `main` (nil: an empty repository, nothing to serve).
    var mainTip: ObjectID? { get }
    func contains(_ id: ObjectID) -> Bool
    func pack(wants: [ObjectID], haves: [ObjectID], limit: Int) throws(SwarmError) -> [UInt8]
}

extension GitRepository: UploadPackSource {
    public var mainTip: ObjectID? { reference(ConversationLayout.branch) }
}

/// The server side of git's upload-pack (protocol v1, side-band-64k) over one channel, as
/// jamid's client (libgit2) speaks it: a `git-upload-pack /<conversation>` line, our
/// advertisement (HEAD, then `refs/heads/main`), wants, haves, `done`, one ACK or NAK, the pack
/// in side-band lines, a flush; then the next session on the same channel. Sans-I/O: bytes in,
/// chunks out, each of whole pkt-lines and at most 65535 bytes (one channel frame each).
public struct UploadPackServer: Sendable {
    enum Phase { case command, wants, haves }

    public let conversation: ObjectID
    /// Bytes one pack may take.
    public let packLimit: Int
    private var reader = PktLineReader()
    private var phase = Phase.command
    private var wants: [ObjectID] = []
    private var common: [ObjectID] = []
    private var advertised: ObjectID?
    /// The commits peers fetched (for a message's "sent" status).
    public private(set) var served: [ObjectID] = []

    public init(conversation: ObjectID, packLimit: Int = 256 << 20) {
        self.conversation = conversation
        self.packLimit = packLimit
    }

    /// Reads `bytes`; returns what to send. Throws on anything that is not this protocol (the
    /// channel should then be closed).
    public mutating func receive(_ bytes: [UInt8], from source: some UploadPackSource) throws(SwarmError) -> [[UInt8]] {
        reader.append(bytes)
        var out: [[UInt8]] = []
        while true {
            let line: PktLine?
            do { line = try reader.next() } catch { throw .refused("not a pkt-line: \(error)") }
            guard let line else { break }
            out += try handle(line, source)
        }
        if reader.bufferedBytes > PktLine.maxLength { throw .refused("a pkt-line longer than git allows") }
        return out
    }

    private mutating func handle(_ line: PktLine, _ source: some UploadPackSource) throws(SwarmError) -> [[UInt8]] {
        switch phase {
        case .command:
            guard case .data(let bytes) = line else { return [] }
            let request = bytes.split(separator: 0, omittingEmptySubsequences: false).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
            guard request.hasPrefix("git-upload-pack "), request.dropFirst("git-upload-pack ".count).trimmingPrefix("/") == conversation.hex else {
                throw .refused("not an upload-pack request for this conversation: \(request.prefix(80))")
            }
            guard let tip = source.mainTip else { throw .notFound("main of \(conversation)") }
            advertised = tip
            phase = .wants
            wants = []
            common = []
            let first = PktLine.text("\(tip.hex) HEAD\0side-band side-band-64k shallow no-progress include-tag\n").encoded
            return [first + PktLine.text("\(tip.hex) \(ConversationLayout.branch)\n").encoded + PktLine.flush.encoded]
        case .wants:
            switch line {
            case .flush:
                // No wants: the client has everything; the session is over.
                if wants.isEmpty { phase = .command }
                else { phase = .haves }
                return []
            case .data:
                let text = line.text ?? ""
                guard text.hasPrefix("want "), let id = ObjectID(hex: text.dropFirst(5).prefix(40)) else {
                    if text.hasPrefix("shallow ") || text.hasPrefix("deepen") { return [] }
                    throw .refused("expected a want: \(text.prefix(80))")
                }
                // Only what we advertised: no fetching of objects nothing points at.
                guard id == advertised else { throw .refused("wants \(id), which is not our main") }
                wants.append(id)
                return []
            }
        case .haves:
            switch line {
            case .flush:
                return [common.first.map { PktLine.text("ACK \($0.hex) continue\n").encoded } ?? [], PktLine.text("NAK\n").encoded].filter { !$0.isEmpty }
            case .data:
                let text = line.text ?? ""
                if text == "done" { return try sendPack(source) }
                guard text.hasPrefix("have "), let id = ObjectID(hex: text.dropFirst(5).prefix(40)) else { throw .refused("expected a have or done: \(text.prefix(80))") }
                if source.contains(id), common.count < 256 { common.append(id) }
                return []
            }
        }
    }

    private mutating func sendPack(_ source: some UploadPackSource) throws(SwarmError) -> [[UInt8]] {
        var out = [common.first.map { PktLine.text("ACK \($0.hex)\n").encoded } ?? PktLine.text("NAK\n").encoded]
        let pack = try source.pack(wants: wants, haves: common, limit: packLimit)
        var offset = 0
        while offset < pack.count {
            let n = min(PktLine.maxSideBandData, pack.count - offset)
            out.append(PktLine.data([1] + pack[offset..<offset + n]).encoded)
            offset += n
        }
        out.append(PktLine.flush.encoded)
        served += wants
        phase = .command
        return out
    }
}
