import NIOCore

/// RFC 4571 framing, as pjnath uses on ICE-TCP connections: a 16-bit big-endian length before
/// every packet, STUN or application data alike.
public struct RFC4571 {
    public static let maxPacket = 65_535

    /// Writes `payload` as one or more framed packets (split at 65535 bytes).
    public static func frame(_ payload: ByteBuffer, into out: inout ByteBuffer) {
        var p = payload
        while p.readableBytes > 0 {
            var chunk = p.readSlice(length: min(p.readableBytes, maxPacket))!
            out.writeInteger(UInt16(chunk.readableBytes))
            out.writeBuffer(&chunk)
        }
    }

    public static func frame(_ payload: [UInt8]) -> ByteBuffer {
        var out = ByteBuffer()
        frame(ByteBuffer(bytes: payload), into: &out)
        return out
    }
}

/// Cuts RFC 4571 packets out of a TCP byte stream. Packets inside one read are slices of it (no
/// copy); only a packet that straddles reads is assembled, in a buffer of its own exact size, so
/// memory stays at one packet (≤ 64 KiB) whatever the stream, and no buffer ever grows or is
/// copied on write while slices of it are still held above.
public struct RFC4571Reader: Sendable {
    /// An incomplete packet, header included.
    private var partial: ByteBuffer?
    /// What is left of the latest read.
    private var rest: ByteBuffer?

    public init() {}

    public var bufferedBytes: Int { (partial?.readableBytes ?? 0) + (rest?.readableBytes ?? 0) }

    public mutating func append(_ bytes: ByteBuffer) {
        guard var r = rest, r.readableBytes > 0 else {
            rest = bytes
            return
        }
        // Appended again before the packets were all taken: one new buffer for both.
        rest = nil
        var combined = ByteBuffer()
        combined.reserveCapacity(r.readableBytes + bytes.readableBytes)
        combined.writeBuffer(&r)
        var b = bytes
        combined.writeBuffer(&b)
        rest = combined
    }

    /// The next whole packet, nil when more bytes are needed. A zero-length packet is returned
    /// as an empty buffer (pjnath never sends one; the caller decides).
    public mutating func next() -> ByteBuffer? {
        if partial != nil {
            guard complete() else { return nil }
            var p = partial!
            partial = nil
            p.moveReaderIndex(forwardBy: 2)
            return p
        }
        guard var r = rest, r.readableBytes > 0 else { return nil }
        if let n = r.getInteger(at: r.readerIndex, as: UInt16.self), r.readableBytes >= 2 + Int(n) {
            r.moveReaderIndex(forwardBy: 2)
            let packet = r.readSlice(length: Int(n))!
            rest = r.readableBytes == 0 ? nil : r
            return packet
        }
        rest = nil
        stash(r)
        return nil
    }

    /// Starts (or extends) the partial packet with `bytes`.
    private mutating func stash(_ bytes: ByteBuffer) {
        var b = bytes
        if partial == nil {
            let size = b.getInteger(at: b.readerIndex, as: UInt16.self).map { 2 + Int($0) } ?? 2 + RFC4571.maxPacket
            partial = ByteBuffer()
            partial!.reserveCapacity(max(size, b.readableBytes))
        }
        partial!.writeBuffer(&b)
    }

    /// Moves bytes from `rest` into `partial` until the packet is whole; true when it is.
    private mutating func complete() -> Bool {
        while true {
            let have = partial!.readableBytes
            let want = have >= 2 ? 2 + Int(partial!.getInteger(at: partial!.readerIndex, as: UInt16.self)!) : 2
            if have >= want { return true }
            guard var r = rest, r.readableBytes > 0 else { return false }
            var take = r.readSlice(length: min(want - have, r.readableBytes))!
            partial!.writeBuffer(&take)
            rest = r.readableBytes == 0 ? nil : r
        }
    }
}
