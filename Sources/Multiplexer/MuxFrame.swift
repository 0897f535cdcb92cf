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
    /// A frame that straddles reads, being assembled in a buffer of its own.
    private var partial: ByteBuffer?
    /// What is left of the latest read; whole frames in it are sliced out without a copy.
    private var rest: ByteBuffer?

    public init() {}

    /// Bytes received but not yet part of a whole frame.
    public var bufferedBytes: Int { (partial?.readableBytes ?? 0) + (rest?.readableBytes ?? 0) }

    /// Appends received bytes.
    public mutating func append(_ bytes: ByteBuffer) {
        guard var r = rest, r.readableBytes > 0 else {
            rest = bytes
            return
        }
        // Appended again before the frames were all taken: one new buffer for both.
        rest = nil
        var combined = ByteBuffer()
        combined.reserveCapacity(r.readableBytes + bytes.readableBytes)
        combined.writeBuffer(&r)
        var b = bytes
        combined.writeBuffer(&b)
        rest = combined
    }

    /// The next whole frame, nil when more bytes are needed. Throws on bytes that can never
    /// become a valid frame; the socket must then be closed.
    ///
    /// Frames inside one read are slices of it. A frame cut by a read boundary is copied once
    /// into a buffer of its own (never into one whose slices are still held above, which would
    /// copy the whole read on every append).
    public mutating func next() throws(MuxError) -> (channel: UInt16, payload: ByteBuffer)? {
        while partial != nil {
            let result: Parsed
            do {
                var p = partial!
                result = try Self.parse(&p)
            }
            switch result {
            case .frame(let channel, let payload):
                partial = nil
                return (channel, payload)
            case .needMore(let total):
                let have = partial!.readableBytes
                guard var r = rest, r.readableBytes > 0 else { return nil }
                // Never past this frame's end (its bytes beyond would be lost with `partial`):
                // while its header is incomplete, one byte at a time (a header is at most 11).
                var take = r.readSlice(length: min((total ?? have + 1) - have, r.readableBytes))!
                rest = r.readableBytes == 0 ? nil : r
                partial!.writeBuffer(&take)
            }
        }
        guard var r = rest, r.readableBytes > 0 else { return nil }
        switch try Self.parse(&r) {
        case .frame(let channel, let payload):
            rest = r.readableBytes == 0 ? nil : r
            return (channel, payload)
        case .needMore:
            rest = nil
            stash(r)
            return nil
        }
    }

    private mutating func stash(_ bytes: ByteBuffer) {
        var b = bytes
        if partial == nil {
            partial = ByteBuffer()
            partial!.reserveCapacity(max(b.readableBytes, MuxFrame.maxPayload + MuxFrame.maxHeader))
        }
        partial!.writeBuffer(&b)
    }

    enum Parsed {
        case frame(UInt16, ByteBuffer)
        /// Not whole yet; the frame's total size once its header is known.
        case needMore(total: Int?)
    }

    /// One frame from the front of `b` (consumed only when whole).
    static func parse(_ b: inout ByteBuffer) throws(MuxError) -> Parsed {
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
        return .frame(UInt16(cv), payload)
    }
}
