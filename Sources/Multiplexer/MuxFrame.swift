import NIOCore
@_exported import StreamFraming

/// Jami's multiplexer framing: the TLS byte stream is a sequence of msgpack arrays
/// `[channel: uint16, data: bin]`, nothing else. An empty `data` ends the channel.
public enum MuxFrame {
    /// Channel 0 carries channel requests and answers.
    public static let control: UInt16 = 0
    /// Channel 0xFFFF carries the version and beacons.
    public static let `protocol`: UInt16 = 0xFFFF
    /// The largest payload of one frame.
    public static let maxPayload = 65_535
    /// The largest header: fixarray, uint16, bin16.
    public static let maxHeader = 1 + 3 + 3

    /// Writes the header of a frame carrying `length` bytes on `channel`, packed as msgpack-c
    /// packs it (smallest integer and `bin` formats).
    public static func writeHeader(channel: UInt16, length: Int, into buffer: inout ByteBuffer) {
        precondition(length <= maxPayload)
        buffer.writeInteger(UInt8(0x92))
        switch channel {
        case 0..<0x80: buffer.writeInteger(UInt8(channel))
        case 0x80...0xFF: buffer.writeInteger(UInt8(0xcc)); buffer.writeInteger(UInt8(channel))
        default: buffer.writeInteger(UInt8(0xcd)); buffer.writeInteger(channel)
        }
        if length <= 0xFF {
            buffer.writeInteger(UInt8(0xc4)); buffer.writeInteger(UInt8(length))
        } else {
            buffer.writeInteger(UInt8(0xc5)); buffer.writeInteger(UInt16(length))
        }
    }

    /// One whole frame.
    public static func encode(channel: UInt16, payload: ByteBuffer, allocator: ByteBufferAllocator = .init()) -> ByteBuffer {
        var out = allocator.buffer(capacity: maxHeader + payload.readableBytes)
        writeHeader(channel: channel, length: payload.readableBytes, into: &out)
        var payload = payload
        out.writeBuffer(&payload)
        return out
    }
}

/// Cuts frames out of the incoming byte stream; payloads are slices of the received buffers
/// (see ``FrameCutter``). A throw means bytes that can never become a valid frame: the socket
/// must be closed.
public typealias MuxFrameDecoder = FrameCutter<MuxFraming>

public enum MuxFraming: StreamFraming {
    public static let maxFrameSize = MuxFrame.maxPayload + MuxFrame.maxHeader

    /// One frame from the front of `b` (consumed only when whole).
    public static func parse(_ b: inout ByteBuffer) throws(MuxError) -> FrameParse<(channel: UInt16, payload: ByteBuffer)> {
        let start = b.readerIndex
        guard let head = b.readInteger(as: UInt8.self) else { b.moveReaderIndex(to: start); return .needMore(total: nil) }
        guard head == 0x92 else { throw .malformedFrame("expected a 2-element array, found 0x\(String(head, radix: 16))") }
        guard let cf = b.readInteger(as: UInt8.self) else { b.moveReaderIndex(to: start); return .needMore(total: nil) }
        let channelValue: UInt32?
        switch cf {
        case 0x00...0x7f: channelValue = UInt32(cf)
        case 0xcc: channelValue = b.readInteger(as: UInt8.self).map(UInt32.init)
        case 0xcd: channelValue = b.readInteger(as: UInt16.self).map(UInt32.init)
        case 0xce: channelValue = b.readInteger(as: UInt32.self)
        default: throw .malformedFrame("channel is not an unsigned integer (0x\(String(cf, radix: 16)))")
        }
        guard let cv = channelValue else { b.moveReaderIndex(to: start); return .needMore(total: nil) }
        guard cv <= 0xFFFF else { throw .malformedFrame("channel \(cv) above 65535") }
        guard let bf = b.readInteger(as: UInt8.self) else { b.moveReaderIndex(to: start); return .needMore(total: nil) }
        let length: Int?
        switch bf {
        case 0xc4: length = b.readInteger(as: UInt8.self).map(Int.init)
        case 0xc5: length = b.readInteger(as: UInt16.self).map(Int.init)
        case 0xc6: length = b.readInteger(as: UInt32.self).map(Int.init)
        default: throw .malformedFrame("data is not bin (0x\(String(bf, radix: 16)))")
        }
        guard let n = length else { b.moveReaderIndex(to: start); return .needMore(total: nil) }
        guard n <= MuxFrame.maxPayload else { throw .oversizedFrame(n) }
        let header = b.readerIndex - start
        guard let payload = b.readSlice(length: n) else {
            b.moveReaderIndex(to: start)
            return .needMore(total: header + n)
        }
        return .frame((UInt16(cv), payload))
    }
}
