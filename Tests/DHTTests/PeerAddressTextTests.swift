import DHT
import Testing

/// `PeerAddress` from text (bootstrap lists, `--bootstrap`): every IPv6 form the system reads
/// is read the same way, signs and stray characters are refused.
@Suite struct PeerAddressTextTests {
    @Test func embeddedIPv4IsRead() throws {
        // Found by FuzzAddresses: `[::1:1]:2` is a valid endpoint, which the system prints as
        // `::0.1.0.1`; that form was refused, so the endpoint had no PeerAddress.
        let printed = try #require(PeerAddress(hostPort: "[::0.1.0.1]:2"))
        #expect(printed == PeerAddress(hostPort: "[::1:1]:2"))
        #expect(PeerAddress(hostPort: "[::ffff:192.0.2.1]:4222") == PeerAddress(hostPort: "192.0.2.1:4222"))
        #expect(PeerAddress(host: "1:2:3:4:5:6:1.2.3.4", port: 1) == PeerAddress(host: "1:2:3:4:5:6:102:304", port: 1))
        #expect(PeerAddress(host: "1::2:1.2.3.4", port: 1) == PeerAddress(host: "1::2:102:304", port: 1))
    }

    @Test(arguments: [
        "[::1.2.3]:1", "[:1.2.3.4]:1", "[1:2:3:4:5:6:7:1.2.3.4]:1", "[::256.0.0.1]:1", "[::1.2.3.4:5]:1", "[1.2.3.4::]:1",
        "[::+1]:1", "[::1]:+80", "1.2.3.4:+80", "+1.2.3.4:80", "[::1%lo]:1", "[::1]:65536", "1.2.3.4:",
    ])
    func malformedIsRefused(_ text: String) {
        #expect(PeerAddress(hostPort: text) == nil, "\(text)")
    }

    @Test func descriptionsReadBack() throws {
        for text in ["127.0.0.1:4222", "[::1]:4222", "[2001:db8::1:1]:1", "[::1:1]:65535"] {
            let address = try #require(PeerAddress(hostPort: text), "\(text)")
            #expect(PeerAddress(hostPort: address.description) == address, "\(text)")
        }
    }
}
