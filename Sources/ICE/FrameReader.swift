import NIOCore
@_exported import StreamFraming

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

/// Cuts RFC 4571 packets out of a TCP byte stream (slices of the reads; see ``FrameCutter``).
/// A zero-length packet is returned as an empty buffer (pjnath never sends one; the caller
/// decides).
public typealias RFC4571Reader = FrameCutter<RFC4571Framing>

public enum RFC4571Framing: StreamFraming {
    public static let maxFrameSize = 2 + RFC4571.maxPacket

    public static func parse(_ b: inout ByteBuffer) -> FrameParse<ByteBuffer> {
        guard let n = b.getInteger(at: b.readerIndex, as: UInt16.self) else { return .needMore(total: nil) }
        guard b.readableBytes >= 2 + Int(n) else { return .needMore(total: 2 + Int(n)) }
        b.moveReaderIndex(forwardBy: 2)
        return .frame(b.readSlice(length: Int(n))!)
    }
}
