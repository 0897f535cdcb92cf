import Testing
@testable import MessagePack

/// Encodings must match msgpack-c byte for byte (OpenDHT re-packs what it signs).
@Suite struct MessagePackEncodingTests {
    func bytes(_ f: (inout MessagePackWriter) -> Void) -> [UInt8] {
        var w = MessagePackWriter()
        f(&w)
        return w.bytes
    }

    @Test(arguments: [
        (UInt64(0), [UInt8(0x00)]), (127, [0x7f]), (128, [0xcc, 0x80]), (255, [0xcc, 0xff]),
        (256, [0xcd, 0x01, 0x00]), (65535, [0xcd, 0xff, 0xff]), (65536, [0xce, 0x00, 0x01, 0x00, 0x00]),
        (0xffff_ffff, [0xce, 0xff, 0xff, 0xff, 0xff]), (0x1_0000_0000, [0xcf, 0, 0, 0, 1, 0, 0, 0, 0]),
    ] as [(UInt64, [UInt8])])
    func smallestUnsigned(value: UInt64, expected: [UInt8]) {
        #expect(bytes { $0.writeUInt(value) } == expected)
    }

    @Test(arguments: [
        (Int64(-1), [UInt8(0xff)]), (-32, [0xe0]), (-33, [0xd0, 0xdf]), (-128, [0xd0, 0x80]),
        (-129, [0xd1, 0xff, 0x7f]), (-32769, [0xd2, 0xff, 0xff, 0x7f, 0xff]), (200, [0xcc, 0xc8]),
    ] as [(Int64, [UInt8])])
    func smallestSigned(value: Int64, expected: [UInt8]) {
        #expect(bytes { $0.writeInt(value) } == expected)
    }

    @Test func stringAndBinaryHeaders() {
        #expect(bytes { $0.writeString("id") } == [0xa2, 0x69, 0x64])
        #expect(bytes { $0.writeString(String(repeating: "a", count: 32)) }.prefix(2) == [0xd9, 32])
        #expect(bytes { $0.writeString(String(repeating: "a", count: 256)) }.prefix(3) == [0xda, 1, 0])
        #expect(bytes { $0.writeBinary([UInt8](repeating: 1, count: 20)) }.prefix(2) == [0xc4, 20])
        #expect(bytes { $0.writeBinary([UInt8](repeating: 1, count: 550)) }.prefix(3) == [0xc5, 0x02, 0x26])
        #expect(bytes { $0.writeBinary([UInt8](repeating: 1, count: 70_000)) }.prefix(5) == [0xc6, 0, 1, 0x11, 0x70])
    }

    @Test func containersKeepOrder() throws {
        let v = MessagePackValue.map([.init(.string("b"), .uint(1)), .init(.string("a"), .array([.nil, .bool(true)]))])
        #expect(v.encoded == [0x82, 0xa1, 0x62, 0x01, 0xa1, 0x61, 0x92, 0xc0, 0xc3])
        #expect(try MessagePackReader.decode(v.encoded) == v)
    }

    @Test func roundTripsEveryKind() throws {
        let v = MessagePackValue.array([
            .nil, .bool(false), .int(-5), .uint(1 << 40), .float(1.5), .double(-2.25), .string("héllo"),
            .binary([0, 1, 2]), .map([.init(.uint(1), .string("x"))]), .ext(type: 3, data: [9, 9, 9, 9]),
        ])
        #expect(try MessagePackReader.decode(v.encoded) == v)
    }
}

/// Hostile input gets a typed error, never a trap.
@Suite struct MessagePackHostileInputTests {
    @Test(arguments: [
        [UInt8](), [0xc1], [0xa5, 0x61], [0xc4, 0x05, 1, 2], [0xdd, 0xff, 0xff, 0xff, 0xff],
        [0xdf, 0x7f, 0xff, 0xff, 0xff], [0xc6, 0xff, 0xff, 0xff, 0xff], [0xcf, 1, 2], [0x92, 0x01],
    ] as [[UInt8]])
    func malformedIsRejected(input: [UInt8]) {
        #expect(throws: MessagePackError.self) { try MessagePackReader.decode(input) }
    }

    @Test func deepNestingIsBounded() {
        let deep = [UInt8](repeating: 0x91, count: 10_000) + [0x00]
        #expect(throws: MessagePackError.depthExceeded) { try MessagePackReader.decode(deep) }
    }

    @Test func lengthLimitsApply() {
        let limits = MessagePackLimits(maxDepth: 4, maxBytesLength: 8, maxContainerCount: 2)
        #expect(throws: MessagePackError.self) { try MessagePackReader.decode([0xc4, 9] + [UInt8](repeating: 0, count: 9), limits: limits) }
        #expect(throws: MessagePackError.self) { try MessagePackReader.decode([0x93, 1, 2, 3], limits: limits) }
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: MessagePackError.invalidUTF8) { try MessagePackReader.decode([0xa2, 0xff, 0xfe]) }
    }

    @Test func trailingBytesAreReported() {
        #expect(throws: MessagePackError.trailingBytes(1)) { try MessagePackReader.decode([0x01, 0x02]) }
    }

    /// Random mutations of a valid message: decoding must finish with a value or a typed error.
    @Test func randomMutationsNeverTrap() {
        var rng = SplitMix(seed: 3)
        let base = MessagePackValue.map([
            .init(.string("a"), .map([.init(.string("id"), .binary([UInt8](repeating: 7, count: 20)))])),
            .init(.string("q"), .string("ping")), .init(.string("t"), .uint(123_456)),
        ]).encoded
        for _ in 0..<20_000 {
            var b = base
            for _ in 0..<Int(rng.next() % 4 + 1) {
                let i = Int(rng.next() % UInt64(b.count))
                b[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 3 == 0 { b.removeLast(Int(rng.next() % UInt64(b.count))) }
            _ = try? MessagePackReader.decode(b)
        }
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
