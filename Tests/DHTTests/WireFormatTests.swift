import Testing
@testable import DHT
import MessagePack

/// Our datagrams against the ones real OpenDHT 2.4.12 nodes exchanged (protocol notes §12).
@Suite struct WireFormatTests {
    func hex(_ s: String) -> [UInt8] {
        let clean = s.filter { !$0.isWhitespace }
        return stride(from: 0, to: clean.count, by: 2).map {
            let i = clean.index(clean.startIndex, offsetBy: $0)
            return UInt8(clean[i...clean.index(after: i)], radix: 16)!
        }
    }

    @Test func pingMatchesCapture() throws {
        // §12.1: ping from a7c92187… with tid 747860436.
        let captured = hex("85a16181a26964c414a7c92187795caf39abc40f5693859a75dd0e23f6a171a470696e67a174ce2c9371d4a179a171a176a4524e4731")
        let enc = MessageEncoder(nodeId: InfoHash(hex: "a7c92187795caf39abc40f5693859a75dd0e23f6")!, network: 0)
        #expect(enc.ping(tid: 747_860_436) == captured)
        let parsed = try MessageParser.parse(captured)
        #expect(parsed.kind == .query(.ping))
        #expect(parsed.tid == 747_860_436)
    }

    @Test func pongMatchesCapture() throws {
        let captured = hex("84a17282a26964c4149e3b033f56d4a83fe272422727f8940029f62278a27361c4047f000001a174ce2c9371d4a179a172a176a4524e4731")
        let enc = MessageEncoder(nodeId: InfoHash(hex: "9e3b033f56d4a83fe272422727f8940029f62278")!, network: 0)
        #expect(enc.pong(tid: 747_860_436, to: PeerAddress(host: "127.0.0.1", port: 4225)!) == captured)
    }

    @Test func paginatedGetMatchesCapture() throws {
        // §12.3 #27: get with q = {s: [1], w: []}.
        let captured = hex("""
            85a16183a26964c4148f6128d34fc9ad46c8d49eb260bdab2555550784a168c41489e495e7941cf9e40e6980d14a16bf023ccd4c91
            a17182a1739101a17790a171a3676574a174cebb147871a179a171a176a4524e4731
            """)
        let enc = MessageEncoder(nodeId: InfoHash(hex: "8f6128d34fc9ad46c8d49eb260bdab2555550784")!, network: 0)
        #expect(enc.get(tid: 3_138_680_945, key: .hashing(key: "demo"), query: Query(select: [.id]), want: nil) == captured)
        let parsed = try MessageParser.parse(captured)
        #expect(parsed.query == Query(select: [.id]))
    }

    @Test func plainValueMatchesCapture() throws {
        // §12.3 #30: the stored value as OpenDHT packs it.
        let data = Array("hello from a real OpenDHT node".utf8)
        let value = Value(id: 0xc314_aa11_2a40_6b6d, data: data)
        let expected = hex("82a26964cfc314aa112a406b6da364617481a4626f647982a47479706500a464617461c41e") + data
        #expect(value.packed() == expected)
        #expect(try Value(packed: expected) == value)
    }

    @Test func signedBodyLayout() throws {
        var v = Value(id: 9, type: 3, data: [1, 2], userType: "text/plain")
        v.owner = [UInt8](repeating: 0x30, count: 550)
        v.seq = 2
        v.recipient = .hashing(key: "bob")
        v.signature = [UInt8](repeating: 0xaa, count: 512)
        let body = v.bodyBytes()
        // map(6): seq, owner, to, type, data, utype; owner as bin16 of 550 bytes.
        #expect(Array(body.prefix(8)) == [0x86, 0xa3, 0x73, 0x65, 0x71, 0x02, 0xa5, 0x6f])
        #expect(try Value(packed: v.packed()) == v)
    }

    @Test func errorMatchesCaptureShape() throws {
        let enc = MessageEncoder(nodeId: .hashing(key: "x"), network: 0)
        let e = enc.error(tid: 5, code: .unauthorized, message: "Put with wrong token")
        #expect(Array(e.prefix(6)) == [0x85, 0xa1, 0x65, 0x92, 0xcd, 0x01])
        let parsed = try MessageParser.parse(e)
        #expect(parsed.kind == .error && parsed.errorCode == 401 && parsed.errorMessage == "Put with wrong token")
    }

    @Test func networkIdIsWrittenLastAndOnlyWhenSet() throws {
        let enc = MessageEncoder(nodeId: .hashing(key: "x"), network: 7)
        let p = try MessageParser.parse(enc.ping(tid: 1))
        #expect(p.network == 7)
        #expect(MessageEncoder(nodeId: .hashing(key: "x"), network: 0).ping(tid: 1).first == 0x85)
    }

    @Test func bigValuesTravelAsParts() throws {
        let enc = MessageEncoder(nodeId: .hashing(key: "x"), network: 0)
        let value = Value(id: 1, data: [UInt8](repeating: 5, count: 3000)).packed()
        let datagrams = enc.put(tid: 42, key: .hashing(key: "k"), packedValues: [value], created: nil, token: [1, 2])
        #expect(datagrams.count == 4)
        let header = try MessageParser.parse(datagrams[0])
        #expect(header.valueSizes == [value.count])
        var assembler = ValuePartAssembler()
        let from = PeerAddress(host: "127.0.0.1", port: 9)!
        let opened = assembler.begin(header, from: from, now: 0)
        #expect(opened)
        var whole: WireMessage?
        for d in datagrams.dropFirst() {
            let part = try MessageParser.parse(d)
            #expect(part.kind == .valueParts)
            if case .complete(let m) = assembler.add(part.parts, tid: part.tid, from: from, now: 1) { whole = m }
        }
        #expect(whole?.values.first?.data.count == 3000)
    }
}
