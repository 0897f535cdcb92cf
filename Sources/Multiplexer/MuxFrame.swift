import NIOCore

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

/// Cuts frames out of the incoming byte stream. Payloads are slices of the received buffers
/// (no copy). O(1) per frame plus the buffer bookkeeping.
public struct MuxFrameDecoder: Sendable {
    private var pending: ByteBuffer?

    public init() {}

    /// Bytes received but not yet part of a whole frame.
    public var bufferedBytes: Int { pending?.readableBytes ?? 0 }

    /// Appends received bytes.
    public mutating func append(_ bytes: ByteBuffer) {
        if pending == nil || pending!.readableBytes == 0 {
            pending = bytes
        } else {
            var b = bytes
            pending!.writeBuffer(&b)
        }
    }

    /// The next whole frame, nil when more bytes are needed. Throws on bytes that can never
    /// become a valid frame; the socket must then be closed.
    public mutating func next() throws(MuxError) -> (channel: UInt16, payload: ByteBuffer)? {
        guard var b = pending, b.readableBytes > 0 else { return nil }
        let start = b.readerIndex
        guard let head = b.readInteger(as: UInt8.self) else { return nil }
        guard head == 0x92 else { throw .malformedFrame("expected a 2-element array, found 0x\(String(head, radix: 16))") }
        guard let cf = b.readInteger(as: UInt8.self) else { return nil }
        let channelValue: UInt32?
        switch cf {
        case 0x00...0x7f: channelValue = UInt32(cf)
        case 0xcc: channelValue = b.readInteger(as: UInt8.self).map(UInt32.init)
        case 0xcd: channelValue = b.readInteger(as: UInt16.self).map(UInt32.init)
        case 0xce: channelValue = b.readInteger(as: UInt32.self)
        default: throw .malformedFrame("channel is not an unsigned integer (0x\(String(cf, radix: 16)))")
        }
        guard let cv = channelValue else { return nil }
        guard cv <= 0xFFFF else { throw .malformedFrame("channel \(cv) above 65535") }
        guard let bf = b.readInteger(as: UInt8.self) else { return nil }
        let length: Int?
        switch bf {
        case 0xc4: length = b.readInteger(as: UInt8.self).map(Int.init)
        case 0xc5: length = b.readInteger(as: UInt16.self).map(Int.init)
        case 0xc6: length = b.readInteger(as: UInt32.self).map(Int.init)
        default: throw .malformedFrame("data is not bin (0x\(String(bf, radix: 16)))")
        }
        guard let n = length else { return nil }
        guard n <= MuxFrame.maxPayload else { throw .oversizedFrame(n) }
        guard let payload = b.readSlice(length: n) else {
            b.moveReaderIndex(to: start)
            pending = b
            return nil
        }
        pending = b.readableBytes == 0 ? nil : b
        return (UInt16(cv), payload)
    }
}
