import NIOCore
import Testing
@testable import Multiplexer

@Suite struct MuxFrameTests {
    @Test func framesArePackedAsMsgpackCPacksThem() {
        #expect(bytes(MuxFrame.encode(channel: 5, payload: ByteBuffer(bytes: [0x61, 0x62]))) == [0x92, 0x05, 0xc4, 0x02, 0x61, 0x62])
        #expect(bytes(MuxFrame.encode(channel: 200, payload: ByteBuffer())) == [0x92, 0xcc, 200, 0xc4, 0x00])
        let big = MuxFrame.encode(channel: 0xFFFF, payload: ByteBuffer(repeating: 7, count: 300))
        #expect(bytes(big).prefix(6) == [0x92, 0xcd, 0xff, 0xff, 0xc5, 0x01])
    }

    @Test func controlAndProtocolMessagesMatchJamidsLayout() {
        #expect(ChannelRequest(name: "sip", channel: 5, state: .request).encoded == [0x93, 0xa3, 0x73, 0x69, 0x70, 0x05, 0x00])
        #expect(ProtocolMessage.version(1).encoded == [0x81, 0xa1, 0x76, 0x01])
        #expect(ProtocolMessage.beacon(ping: true).encoded == [0x81, 0xa1, 0x70, 0xc3])
        #expect(ProtocolMessage.beacon(ping: false).encoded == [0x81, 0xa1, 0x70, 0xc2])
    }

    @Test func aStreamSplitAtEveryByteGivesTheSameFrames() throws {
        var stream = ByteBuffer()
        for (i, n) in [0, 1, 127, 128, 255, 256, 65_535].enumerated() {
            var f = MuxFrame.encode(channel: UInt16(i * 100), payload: ByteBuffer(repeating: UInt8(i), count: n))
            stream.writeBuffer(&f)
        }
        let whole = bytes(stream)
        for cut in stride(from: 0, through: whole.count, by: 997) + [1, 2, 3, 4, 5, 6, 7] {
            var d = MuxFrameDecoder()
            var frames: [(UInt16, Int)] = []
            for part in [whole[..<cut], whole[cut...]] {
                d.append(ByteBuffer(bytes: part))
                while let (c, p) = try d.next() { frames.append((c, p.readableBytes)) }
            }
            #expect(frames.map(\.0) == [0, 100, 200, 300, 400, 500, 600])
            #expect(frames.map(\.1) == [0, 1, 127, 128, 255, 256, 65_535])
            #expect(d.bufferedBytes == 0)
        }
    }

    /// Bytes fed in pieces of every small size, sometimes twice before the frames are taken,
    /// and the payloads held meanwhile: the same frames, and earlier payloads unchanged.
    @Test func piecesOfEverySizeAndHeldPayloadsGiveTheSameFrames() throws {
        var stream = ByteBuffer()
        for i in 0..<40 {
            var f = MuxFrame.encode(channel: UInt16(i), payload: ByteBuffer(repeating: UInt8(i), count: (i * 7919) % 3000))
            stream.writeBuffer(&f)
        }
        let whole = bytes(stream)
        for size in [1, 2, 3, 5, 11, 64, 1000, 4096] {
            var d = MuxFrameDecoder()
            var held: [(UInt16, ByteBuffer)] = []
            var at = 0, round = 0
            while at < whole.count {
                let n = min(size, whole.count - at)
                d.append(ByteBuffer(bytes: whole[at..<(at + n)]))
                at += n
                round += 1
                if round % 2 == 0 || at == whole.count { while let f = try d.next() { held.append(f) } }
            }
            #expect(held.map(\.0) == (0..<40).map(UInt16.init))
            #expect(held.allSatisfy { c, p in p.readableBytes == (Int(c) * 7919) % 3000 && p.readableBytesView.allSatisfy { $0 == UInt8(c) } })
            #expect(d.bufferedBytes == 0)
        }
    }

    @Test func badFramesAreRefusedWithTheirReason() {
        func first(_ b: [UInt8]) -> MuxError? {
            var d = MuxFrameDecoder()
            d.append(ByteBuffer(bytes: b))
            do { _ = try d.next(); return nil } catch { return error }
        }
        #expect(first([0x93, 0x01, 0xc4, 0x00]) == .malformedFrame("expected a 2-element array, found 0x93"))
        #expect(first([0x92, 0xce, 0x00, 0x01, 0x00, 0x00, 0xc4, 0x00]) == .malformedFrame("channel 65536 above 65535"))
        #expect(first([0x92, 0x01, 0xa1, 0x61]) == .malformedFrame("data is not bin (0xa1)"))
        #expect(first([0x92, 0x01, 0xc6, 0x00, 0x01, 0x11, 0x70]) == .oversizedFrame(70_000))
        #expect(first([0x92, 0x01, 0xc5, 0xff]) == nil)  // incomplete, not wrong
    }

    func bytes(_ b: ByteBuffer) -> [UInt8] { Array(b.readableBytesView) }
}
