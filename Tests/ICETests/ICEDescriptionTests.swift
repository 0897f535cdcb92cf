import NIOCore
import Testing
@testable import ICE

@Suite struct ICEDescriptionTests {
    /// An ice_msg shaped like jamid's: passive on a real port, active on 9, srflx active on 9.
    static let jamid = """
        1a2b3c4d
        0123456789abcdef01234567
        H0c120001 1 TCP 2128609279 198.18.0.1 46781 typ host tcptype passive
        H0c120001 1 TCP 2124414975 198.18.0.1 9 typ host tcptype active
        Sc6336401 1 TCP 1677721599 203.0.113.5 9 typ srflx tcptype active

        """

    @Test func jamidsDescriptionParses() throws {
        let d = try ICEDescription(parsing: Self.jamid)
        #expect(d.ufrag == "1a2b3c4d" && d.password == "0123456789abcdef01234567")
        #expect(d.candidates.map(\.tcpType) == [.passive, .active, .active])
        #expect(d.candidates[0].address == (try SocketAddress(ipAddress: "198.18.0.1", port: 46_781)))
        #expect(d.candidates[2].kind == .srflx)
        #expect(try ICEDescription(parsing: d.encoded) == d)
    }

    @Test func linesJamidWouldDropAreSkipped() throws {
        let text = """
            1a2b3c4d
            0123456789abcdef01234567
            H1 1 UDP 2130706431 198.18.0.1 5000 typ host
            H2 1 TCP 2128609279 198.18.0.1 5001 typ host
            H3 1 TCP 2128609279 198.18.0.1 5002 typ host raddr 0.0.0.0 rport 0
            H4 1 TCP 2128609279 not-an-ip 5003 typ host tcptype passive
            H5 2 TCP 2128609279 198.18.0.1 5004 typ host tcptype passive
            H6 1 TCP 2128609279 ::1 5005 typ host tcptype passive
            """
        let d = try ICEDescription(parsing: text)
        #expect(d.candidates.map(\.foundation) == ["H6"])
        #expect(d.refused == 5)
    }

    @Test func badCredentialsOrNoCandidateAreErrors() {
        #expect(throws: ICEDescription.ParseError.credentials) { try ICEDescription(parsing: "ab\ncd\n") }
        #expect(throws: ICEDescription.ParseError.credentials) { try ICEDescription(parsing: "1a2b3c4d\r\n0123456789abcdef01234567\n") }
        #expect(throws: ICEDescription.ParseError.noUsableCandidate(refused: 0)) { try ICEDescription(parsing: "1a2b3c4d\n0123456789abcdef01234567\n") }
        #expect(throws: ICEDescription.ParseError.tooLong(20_000)) { try ICEDescription(parsing: String(repeating: "a", count: 20_000)) }
    }

    @Test func prioritiesFollowRFC6544() {
        let passive = ICECandidate(kind: .host, tcpType: .passive, address: try! SocketAddress(ipAddress: "10.0.0.1", port: 1))
        let active = ICECandidate(kind: .host, tcpType: .active, address: try! SocketAddress(ipAddress: "10.0.0.1", port: 9))
        let relay = ICECandidate(kind: .relay, tcpType: .passive, address: try! SocketAddress(ipAddress: "10.0.0.2", port: 3478))
        #expect(active.priority > passive.priority && passive.priority > relay.priority)
        #expect(passive.priority == 126 << 24 | (4 << 13 | 8191) << 8 | 255)
    }

    @Test func framesSplitAnywhereComeOutWhole() {
        var stream = RFC4571.frame(Array(repeating: 1, count: 70_000))
        var second = RFC4571.frame([9, 9, 9])
        stream.writeBuffer(&second)
        let bytes = Array(stream.readableBytesView)
        for cut in [0, 1, 2, 3, 65_536, 65_537, bytes.count - 1] {
            var r = RFC4571Reader()
            var sizes: [Int] = []
            for part in [bytes[..<cut], bytes[cut...]] {
                r.append(ByteBuffer(bytes: part))
                while let p = r.next() { sizes.append(p.readableBytes) }
            }
            #expect(sizes == [65_535, 4_465, 3])
        }
    }

    /// Pieces of every small size, sometimes appended twice before packets are taken.
    @Test func piecesOfEverySizeGiveTheSamePackets() {
        var stream = ByteBuffer()
        for i in 0..<30 {
            var f = RFC4571.frame(Array(repeating: UInt8(i), count: 1 + (i * 7919) % 5000))
            stream.writeBuffer(&f)
        }
        let bytes = Array(stream.readableBytesView)
        for size in [1, 2, 3, 7, 100, 4096] {
            var r = RFC4571Reader()
            var packets: [ByteBuffer] = []
            var at = 0, round = 0
            while at < bytes.count {
                let n = min(size, bytes.count - at)
                r.append(ByteBuffer(bytes: bytes[at..<(at + n)]))
                at += n
                round += 1
                if round % 2 == 0 || at == bytes.count { while let p = r.next() { packets.append(p) } }
            }
            #expect(packets.map(\.readableBytes) == (0..<30).map { 1 + ($0 * 7919) % 5000 })
            #expect(packets.enumerated().allSatisfy { i, p in p.readableBytesView.allSatisfy { $0 == UInt8(i) } })
            #expect(r.bufferedBytes == 0)
        }
    }
}
