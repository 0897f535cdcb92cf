import Contacts
import NameService
import Testing

/// `user@host` references: the host is checked where the reference is parsed, so a pasted
/// reference with a port above 65535, credentials, a non-ASCII or oversized host never reaches
/// a socket (issue 13, finding 7: `alice@[::1]:99999` used to bring the daemon down).
@Suite struct PeerReferenceServerTests {
    @Test func namesAServer() throws {
        #expect(try PeerReference("alice@ns.example.org") == .usernameOnServer("alice", server: ServerURL("https://ns.example.org")))
        #expect(try PeerReference("Alice@NS.Example.org:8443") == .usernameOnServer("alice", server: ServerURL("https://ns.example.org:8443")))
        #expect(try PeerReference("bob@[::1]:4443") == .usernameOnServer("bob", server: ServerURL("https://[::1]:4443")))
        #expect(try PeerReference("bob@127.0.0.1") == .usernameOnServer("bob", server: ServerURL("https://127.0.0.1")))
        #expect(try PeerReference("bob@xn--bcher-kva.example") == .usernameOnServer("bob", server: ServerURL("https://xn--bcher-kva.example")))
    }

    static let hostile: [String] = [
        "alice@[::1]:99999", "alice@[::1]:65536", "alice@[::1]:0", "alice@127.0.0.1:4294967297", "alice@host:-1", "alice@host:+80",
        "alice@host:0x50", "alice@host:8 0", "alice@[::1]:", "alice@user:pw@host", "alice@user@host", "alice@bücher.de",
        "alice@ｅｘａｍｐｌｅ.com", "alice@" + String(repeating: "a", count: 300), "alice@" + String(repeating: "a", count: 64) + ".com",
        "alice@" + Array(repeating: "a", count: 130).joined(separator: "."), "alice@127.1", "alice@0x7f.0.0.1", "alice@010.0.0.1",
        "alice@256.0.0.1", "alice@[fe80::1%25eth0]", "alice@[::1", "alice@::1", "alice@[127.0.0.1]", "alice@host/path",
        "alice@host?q", "alice@host#f", "alice@", "alice@-host.com", "alice@host..com", "alice@ho st", "alice@ho\u{0}st", "alice@%31%32%37.0.0.1",
    ]

    @Test(arguments: hostile)
    func hostileServersAreRefused(_ text: String) {
        #expect(throws: ContactsError.self, "\(text)") { try PeerReference(text) }
        do {
            _ = try PeerReference(text)
        } catch {
            // The reason names the problem; the echo is bounded.
            #expect(error.description.count < 400)
        }
    }

    @Test func theReasonIsSpecific() {
        #expect { try PeerReference("alice@[::1]:99999") } throws: { error in
            guard case .invalidServer(_, let why) = error as? ContactsError else { return false }
            return why.contains("out of range")
        }
        #expect { try PeerReference("alice@bücher.de") } throws: { error in
            guard case .invalidServer(_, let why) = error as? ContactsError else { return false }
            return why.contains("xn--")
        }
    }
}
