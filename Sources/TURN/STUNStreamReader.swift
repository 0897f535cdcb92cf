import STUN

/// Splits the byte stream of a TURN-over-TCP control connection into STUN messages (RFC 5766
/// §2.1: over TCP, messages follow each other, each delimited by the length in its header;
/// RFC 6062 allocations never carry ChannelData there).
public struct STUNStreamReader: Sendable {
    /// The largest message accepted: TURN answers are a few hundred bytes.
    public static let maxMessage = 4096

    private var buffer: [UInt8] = []

    public init() {}

    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next whole message, nil when more bytes are needed. Throws on bytes that are not
    /// STUN or a length over ``maxMessage``: the connection is then unusable.
    public mutating func next() throws(TURNError) -> [UInt8]? {
        guard buffer.count >= STUNMessage.headerLength else { return nil }
        guard STUNMessage.looksLikeSTUN(buffer.prefix(STUNMessage.headerLength)) else { throw .protocolViolation("not a STUN message") }
        let length = Int(buffer[2]) << 8 | Int(buffer[3])
        let total = STUNMessage.headerLength + length
        guard total <= Self.maxMessage else { throw .protocolViolation("a \(total)-byte message") }
        guard buffer.count >= total else { return nil }
        let message = Array(buffer[..<total])
        buffer.removeFirst(total)
        return message
    }

    /// Bytes after the last whole message (after a ConnectionBind success they are peer data).
    public mutating func takeRemainder() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }
}
