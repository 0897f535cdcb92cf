@testable import DHT
import Testing

/// Our public address from the `sa` of replies: one vote per node, a majority of at least two
/// (or the only node), a few forged votes cannot win against the rest.
@Suite struct ReportedAddressTests {
    static func node(_ i: Int) -> PeerAddress { PeerAddress(host: "10.0.0.\(i)", port: 4222)! }

    @Test func theOnlyReporterIsBelieved() {
        var r = ReportedAddresses()
        r.record([203, 0, 113, 7], by: Self.node(1))
        #expect(r.addresses == [[203, 0, 113, 7]])
    }

    @Test func oneNodeVotesOnceAndAMajorityOfTwoWins() {
        var r = ReportedAddresses()
        for _ in 0..<10 { r.record([6, 6, 6, 6], by: Self.node(1)) }  // one liar, many replies
        r.record([203, 0, 113, 7], by: Self.node(2))
        r.record([203, 0, 113, 7], by: Self.node(3))
        #expect(r.addresses == [[203, 0, 113, 7]])
        r.record([203, 0, 113, 7], by: Self.node(1))  // its latest reply replaces its vote
        #expect(r.addresses == [[203, 0, 113, 7]])
    }

    @Test func votersAreBounded() {
        var r = ReportedAddresses()
        for i in 0..<100 { r.record([198, 51, 100, UInt8(i % 2)], by: PeerAddress(host: "10.0.\(i / 200).\(i % 200)", port: 1)!) }
        #expect(r.addresses.count == 2)
        r.record([1, 2, 3], by: Self.node(9))  // not an IP: ignored
        #expect(r.addresses.count == 2)
    }
}
