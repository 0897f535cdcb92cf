@testable import Connectivity
import NIOCore
import Testing

/// Outgoing TLS bytes cut into RFC 4571 packets of whole records.
@Suite struct TLSRecordCutterTests {
    /// A TLS record header (application data, TLS 1.2 version field) and `length` bytes.
    static func record(_ length: Int, fill: UInt8) -> [UInt8] {
        [0x17, 0x03, 0x03, UInt8(length >> 8), UInt8(length & 0xFF)] + Array(repeating: fill, count: length)
    }

    @Test func packetsHoldWholeRecordsAndNeverPass65535Bytes() {
        let records = (0..<40).map { Self.record(1 + ($0 * 7919) % 16_406, fill: UInt8($0)) }
        let stream = records.flatMap { $0 }
        var cutter = TLSRecordCutter()
        var packets: [[UInt8]] = []
        // TLS hands over whole records, several at a time.
        var i = 0
        while i < records.count {
            let n = min(records.count - i, 1 + i % 5)
            cutter.append(ByteBuffer(bytes: records[i..<(i + n)].flatMap { $0 }))
            while let p = cutter.nextPacket() { packets.append(Array(p.readableBytesView)) }
            i += n
        }
        #expect(cutter.drain() == nil)
        #expect(packets.flatMap { $0 } == stream)
        for p in packets {
            #expect(p.count <= 65_535)
            var at = 0
            while at < p.count { at += 5 + Int(p[at + 3]) << 8 + Int(p[at + 4]) }
            #expect(at == p.count)
        }
    }

    @Test func aRecordCutByAWriteWaitsForItsRestOrIsDrained() {
        let r = Self.record(1000, fill: 9)
        var cutter = TLSRecordCutter()
        cutter.append(ByteBuffer(bytes: r[0..<300]))
        #expect(cutter.nextPacket() == nil)
        cutter.append(ByteBuffer(bytes: r[300...]))
        #expect(cutter.nextPacket().map { Array($0.readableBytesView) } == r)
        cutter.append(ByteBuffer(bytes: r[0..<10]))
        #expect(cutter.drain().map { Array($0.readableBytesView) } == Array(r[0..<10]))
        #expect(cutter.buffered == 0)
    }
}
