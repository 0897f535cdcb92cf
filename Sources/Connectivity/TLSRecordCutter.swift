import ICE
import NIOCore

/// Groups an outgoing TLS byte stream into packets of whole records (5-byte header + length),
/// at most 65535 bytes each. Packets are slices of what was appended: TLS hands over whole
/// records, so only a record cut by a write boundary is ever copied (to join its rest).
struct TLSRecordCutter {
    private var pending = ByteBuffer()
    var buffered: Int { pending.readableBytes }

    mutating func append(_ b: ByteBuffer) {
        if pending.readableBytes == 0 {
            pending = b
        } else {
            var b = b
            pending.writeBuffer(&b)
        }
    }

    mutating func nextPacket() -> ByteBuffer? {
        var length = 0
        while let n = pending.getInteger(at: pending.readerIndex + length + 3, as: UInt16.self) {
            let record = 5 + Int(n)
            guard length + record <= pending.readableBytes, length + record <= RFC4571.maxPacket else { break }
            length += record
        }
        guard length > 0 else { return nil }
        let p = pending.readSlice(length: length)
        // Drop the reference, so TLS can reuse its output buffer without a copy on write.
        if pending.readableBytes == 0 { pending = ByteBuffer() }
        return p
    }

    /// What is left (a partial record), taken out.
    mutating func drain() -> ByteBuffer? {
        guard pending.readableBytes > 0 else { return nil }
        defer { pending = ByteBuffer() }
        return pending.readSlice(length: pending.readableBytes)
    }
}
