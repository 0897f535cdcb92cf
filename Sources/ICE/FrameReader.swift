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

/// Cuts RFC 4571 packets out of a TCP byte stream without copying them.
public struct RFC4571Reader: Sendable {
    private var pending: ByteBuffer?

    public init() {}

    public var bufferedBytes: Int { pending?.readableBytes ?? 0 }

    public mutating func append(_ bytes: ByteBuffer) {
        if pending == nil || pending!.readableBytes == 0 {
            pending = bytes
        } else {
            var b = bytes
            pending!.writeBuffer(&b)
        }
    }

    /// The next whole packet, nil when more bytes are needed. A zero-length packet is returned
    /// as an empty buffer (pjnath never sends one; the caller decides).
    public mutating func next() -> ByteBuffer? {
        guard var b = pending, let n = b.getInteger(at: b.readerIndex, as: UInt16.self), b.readableBytes >= 2 + Int(n) else { return nil }
        b.moveReaderIndex(forwardBy: 2)
        let packet = b.readSlice(length: Int(n))!
        pending = b.readableBytes == 0 ? nil : b
        return packet
    }
}
