/// The client side of one upload-pack session over a channel (protocol v1, side-band-64k),
/// the way jamid's server expects it: one `git-upload-pack /<conversation>\0host=<device>\0`
/// line (never `version=1`, which jamid answers with a truncated line), then, after the
/// advertisement, our want and haves and `done` in one write, and the pack. Sans-I/O.
public struct UploadPackClient: Sendable {
    public enum Step: Sendable, Equatable {
        /// Write these bytes (whole pkt-lines) to the channel.
        case send([UInt8])
        /// The session is over: the server's `main` and the pack of what we lacked (empty when
        /// we were up to date).
        case finished(tip: ObjectID, pack: [UInt8])
    }

    enum Phase { case advertisement, pack, finished }

    public let conversation: ObjectID
    public let host: String
    /// What we have (our `main` first); the server leaves their history out of the pack.
    public let haves: [ObjectID]
    public let packLimit: Int
    private var reader = PktLineReader()
    private var phase = Phase.advertisement
    private var tip: ObjectID?
    private var pack: [UInt8] = []

    public init(conversation: ObjectID, host: String, haves: [ObjectID], packLimit: Int = 256 << 20) {
        self.conversation = conversation
        self.host = host
        self.haves = haves
        self.packLimit = packLimit
    }

    /// The first line to send.
    public var request: [UInt8] {
        PktLine.data(Array("git-upload-pack /\(conversation.hex)\0host=\(host)\0".utf8)).encoded
    }

    /// Reads what the server sent; returns the steps it leads to (`send`s, then possibly
    /// `finished`).
    public mutating func receive(_ bytes: [UInt8]) throws(SwarmError) -> [Step] {
        reader.append(bytes)
        var steps: [Step] = []
        while phase != .finished {
            let line: PktLine?
            do { line = try reader.next() } catch { throw .refused("not a pkt-line: \(error)") }
            guard let line else { break }
            steps += try handle(line)
        }
        return steps
    }

    private mutating func handle(_ line: PktLine) throws(SwarmError) -> [Step] {
        switch phase {
        case .advertisement:
            guard case .data(let bytes) = line else {
                guard let tip else { throw .notFound("the peer advertised no main") }
                if haves.contains(tip) {
                    // A flush instead of wants ends the session; the server waits for the next.
                    phase = .finished
                    return [.send(PktLine.flush.encoded), .finished(tip: tip, pack: [])]
                }
                phase = .pack
                var out = PktLine.text("want \(tip.hex) side-band-64k no-progress\n").encoded + PktLine.flush.encoded
                for h in haves.prefix(256) { out += PktLine.text("have \(h.hex)\n").encoded }
                return [.send(out + PktLine.text("done\n").encoded)]
            }
            // `<sha> <ref>[\0capabilities]`
            let text = String(decoding: bytes.split(separator: 0, omittingEmptySubsequences: false).first ?? [], as: UTF8.self)
                .trimmingCharacters(in: .newlines)
            let parts = text.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let id = ObjectID(hex: parts[0]) else { throw .refused("not a reference line: \(text.prefix(80))") }
            if parts[1] == ConversationLayout.branch || (parts[1] == "HEAD" && tip == nil) { tip = id }
            return []
        case .pack:
            guard case .data(let bytes) = line else {
                phase = .finished
                return [.finished(tip: tip!, pack: pack)]
            }
            if bytes.starts(with: Array("ACK ".utf8)) || bytes.starts(with: Array("NAK".utf8)) { return [] }
            switch bytes.first {
            case 1:
                guard pack.count + bytes.count - 1 <= packLimit else { throw .refused("the pack is over \(packLimit) bytes") }
                pack += bytes.dropFirst()
            case 2: break
            case 3: throw .refused("the peer's git server: \(String(decoding: bytes.dropFirst(), as: UTF8.self).prefix(200))")
            default: throw .refused("an unexpected line during the pack")
            }
            return []
        case .finished:
            return []
        }
    }
}
