import NIOCore
import Testing
@testable import STUN

/// RFC 5769's test vectors, then our own round trips and refusals.
@Suite struct STUNMessageTests {
    static let password = Array("VOkJxbRl1RmTxUk/WvJxBt".utf8)
    static let request = hex("""
        000100582112a442b7e7a701bc34d686fa87dfae802200105354554e20746573742063\
        6c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68\
        367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf
        """)
    static let response = hex("""
        0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220\
        002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7\
        80280004c07d4c96
        """)

    @Test func rfc5769RequestParsesAndChecks() throws {
        let m = try STUNMessage(parsing: Self.request)
        #expect(m.method == .binding && m.class == .request)
        #expect(m.attribute(.username) == Array("evtj:h6vY".utf8))
        #expect(m.uint32(.priority) == 0x6e00_01ff)
        #expect(m.uint64(.iceControlled) == 0x932f_f9b1_5126_3b36)
        try m.checkIntegrity(key: Self.password)
        #expect(throws: STUNError.badIntegrity) { try m.checkIntegrity(key: Array("wrong".utf8)) }
        #expect(STUNMessage.looksLikeSTUN(Self.request))
    }

    @Test func rfc5769ResponseGivesTheMappedAddress() throws {
        let m = try STUNMessage(parsing: Self.response)
        #expect(m.class == .success)
        try m.checkIntegrity(key: Self.password)
        #expect(try m.xorAddress() == (try SocketAddress(ipAddress: "192.0.2.1", port: 32_853)))
    }

    @Test func whatWeEncodeParsesChecksAndCarriesIPv6() throws {
        var m = STUNMessage(method: .binding, class: .success)
        m.appendXORAddress(.xorMappedAddress, try SocketAddress(ipAddress: "2001:db8:1234:5678:11:2233:4455:6677", port: 32_853))
        m.appendUInt64(.iceControlling, 42)
        m.append(.useCandidate, [])
        let bytes = m.encoded(integrityKey: Self.password, fingerprint: true)
        let back = try STUNMessage(parsing: bytes)
        try back.checkIntegrity(key: Self.password)
        #expect(try back.xorAddress() == (try SocketAddress(ipAddress: "2001:db8:1234:5678:11:2233:4455:6677", port: 32_853)))
        #expect(back.has(.useCandidate) && back.uint64(.iceControlling) == 42)
        #expect(back.transactionID == m.transactionID)
    }

    @Test func aFlippedBitBreaksTheFingerprintOrTheIntegrity() throws {
        // Every byte but the FINGERPRINT's type: changed, it is an unknown attribute after the
        // integrity, which RFC 5389 says to ignore.
        let fingerprintType = (Self.request.count - 8)..<(Self.request.count - 6)
        for i in 20..<Self.request.count where !fingerprintType.contains(i) {
            var b = Self.request
            b[i] ^= 0x01
            do {
                let m = try STUNMessage(parsing: b)
                try m.checkIntegrity(key: Self.password)
                Issue.record("byte \(i) flipped went unnoticed")
            } catch {}
        }
    }

    @Test func malformedMessagesAreRefused() {
        #expect(throws: STUNError.truncated) { try STUNMessage(parsing: Array(Self.request.prefix(10))) }
        #expect(throws: STUNError.badLength(0x58)) { try STUNMessage(parsing: Array(Self.request.dropLast(4))) }
        var b = Self.request; b[0] |= 0x80
        #expect(throws: STUNError.notSTUN) { try STUNMessage(parsing: b) }
        var over = Array(Self.request.prefix(20)); over[2] = 0; over[3] = 8
        over += [0x00, 0x06, 0x00, 0xff, 0, 0, 0, 0]
        #expect(throws: STUNError.badAttribute(type: 6)) { try STUNMessage(parsing: over) }
        var many = Array(Self.request.prefix(20))
        for _ in 0..<40 { many += [0x80, 0x22, 0, 0] }
        many[2] = 0; many[3] = 160
        #expect(throws: STUNError.tooManyAttributes) { try STUNMessage(parsing: many) }
    }
}

func hex(_ s: String) -> [UInt8] {
    let c = Array(s.utf8.filter { !$0.isASCIIWhitespace })
    return stride(from: 0, to: c.count, by: 2).map { UInt8(String(decoding: c[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}

extension UInt8 { var isASCIIWhitespace: Bool { self == 0x20 || self == 0x0a || self == 0x0d || self == 0x09 } }
