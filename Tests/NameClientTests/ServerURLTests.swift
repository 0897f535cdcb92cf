import NameService
import Testing

/// The one check every server address goes through (typed, configured, in a `user@host` query
/// or a redirect): what is accepted comes out in one canonical form, the rest is refused with a
/// reason (issue 13, finding 7).
@Suite struct ServerURLTests {
    @Test(arguments: [
        ("https://ns.jami.net", "https://ns.jami.net"),
        ("HTTP://NS.Example.ORG:8080/", "http://ns.example.org:8080/"),
        ("http://127.0.0.1:1", "http://127.0.0.1:1"),
        ("http://[::1]:65535/ns", "http://[::1]:65535/ns"),
        ("http://[0:0:0:0:0:0:0:1]:80", "http://[::1]:80"),
        ("http://[::FFFF:127.0.0.1]", "http://[::ffff:127.0.0.1]"),
        ("  https://xn--bcher-kva.example  ", "https://xn--bcher-kva.example"),
        ("http://host:00080/a%20b", "http://host:80/a%20b"),
        ("http://my_service:8080", "http://my_service:8080"),
    ])
    func accepted(_ text: String, _ canonical: String) throws {
        let url = try ServerURL(text)
        #expect(url.string == canonical)
        #expect(try ServerURL(url.string) == url)
    }

    static let refused: [(String, String)] = [
        ("http://[::1]:99999", "out of range"), ("http://[::1]:65536", "out of range"), ("http://[::1]:0", "out of range"),
        ("http://h:99999999999999999999999", "out of range"), ("http://h:-1", "not a number"), ("http://h:+80", "not a number"),
        ("ftp://h", "not http or https"), ("file:///etc/passwd", "not http or https"), ("javascript://h", "not http or https"),
        ("ns.jami.net", "not a URL"), ("http:/h", "not a URL"), ("http://", "empty"),
        ("http://user:pw@h", "user name or password"), ("http://user@h", "user name or password"),
        ("http://bücher.de", "xn--"), ("http://ｅｘａｍｐｌｅ.com", "xn--"),
        ("http://" + String(repeating: "a", count: 254), "longer than 253"), ("http://" + String(repeating: "a", count: 64) + ".com", "longer than 63"),
        ("http://a" + String(repeating: "/x", count: 1100), "longer than 2048"),
        ("http://127.1", "IPv4"), ("http://0x7f.0.0.1", "IPv4"), ("http://010.0.0.1", "IPv4"), ("http://1.2.3.256", "IPv4"), ("http://2130706433", "IPv4"),
        ("http://[fe80::1%25eth0]", "IPv6"), ("http://[::1", "IPv6"), ("http://::1:80", "brackets"), ("http://[127.0.0.1]", "IPv6"),
        ("http://[::1]x", "[IPv6]:PORT"), ("http://h/?q=1", "query"), ("http://h/#f", "fragment"), ("http://h?q", "query"),
        ("http://h/a b", "characters"), ("http://h/%zz", "%-escape"), ("http://ho st", "spaces"), ("http://h\u{0}.evil", "control"),
        ("http://-h.com", "not a host name"), ("http://h..com", "empty label"), ("http://%31%32%37.0.0.1", "IPv4"), ("http://%61.com", "not a host name"),
    ]

    @Test(arguments: refused)
    func refusedWithAReason(_ text: String, _ reason: String) {
        #expect(performing: { try ServerURL(text) }, throws: { error in
            guard case .invalidServer(let why) = error as? NameServiceError else { return false }
            return why.contains(reason) && why.count < 300
        })
    }

    @Test func redirects() throws {
        let base = try ServerURL("https://ns.example.org:8443/api")
        #expect(try base.redirect(to: "/name/alice").string == "https://ns.example.org:8443/name/alice")
        #expect(try base.redirect(to: "//other.example/name/alice").string == "https://other.example/name/alice")
        #expect(try base.redirect(to: "https://other.example/x#frag").string == "https://other.example/x")
        #expect(throws: NameServiceError.self) { try base.redirect(to: "http://ns.example.org/name/alice") }  // downgrade
        #expect(throws: NameServiceError.self) { try base.redirect(to: "http://[::1]:99999/") }
        #expect(throws: NameServiceError.self) { try base.redirect(to: "name/alice") }  // relative paths are not followed
        #expect(throws: NameServiceError.self) { try base.redirect(to: "") }
        // Found by FuzzAddresses: a path under the limit on a long origin made a URL that did not
        // parse again from its own string. The limit is on the whole URL, however it is built.
        let long = "/" + String(repeating: "e", count: ServerURL.maxLength - 10)
        #expect(throws: NameServiceError.self) { try base.redirect(to: long) }
        #expect(throws: NameServiceError.self) { try base.appending(path: long) }
        let plain = try ServerURL("http://127.0.0.1:8080")
        #expect(try plain.redirect(to: "https://ns.example.org/").string == "https://ns.example.org/")
        #expect(try plain.appending(path: "/name/bob").string == "http://127.0.0.1:8080/name/bob")
        #expect(try ServerURL("http://h/").appending(path: "/name/bob").string == "http://h/name/bob")
    }

    @Test func endpoints() throws {
        #expect(try ServerEndpoint("bootstrap.jami.net:4222").description == "bootstrap.jami.net:4222")
        #expect(try ServerEndpoint("[::1]:4222").host.kind == .ipv6)
        #expect(try ServerEndpoint("127.0.0.1:4222").host.kind == .ipv4)
        for bad in ["bootstrap.jami.net", "[::1]:99999", "h:0", "::1:4222", "u@h:1", "h:", ":4222", "127.1:4222", "h:4222/x"] {
            #expect(throws: NameServiceError.self, "\(bad)") { try ServerEndpoint(bad) }
        }
    }

    @Test func queriesNameTheirServer() throws {
        #expect(try NameQuery("alice").server == nil)
        #expect(try NameQuery("alice@ns.example.org:8443").server == ServerURL("https://ns.example.org:8443"))
        #expect(throws: NameServiceError.invalidServer("port 99999 is out of range (1-65535)")) { try NameQuery("alice@[::1]:99999") }
        #expect(throws: NameServiceError.invalidName) { try NameQuery("a@ns.example.org") }
    }
}
