import Identity
import NameService

/// What a person types to name a peer (protocol §1.4): a 40-hex account id, optionally as a
/// `jami:` or `ring:` URI with `@ring.dht`/`@jami.dht`, a registered username (to be resolved
/// on the configured name server), or `username@host` to ask the name server at that host. The
/// host is checked here (``ServerURL``), so a pasted reference cannot steer a connection to a
/// port or host nothing should dial.
public enum PeerReference: Sendable, Hashable {
    case account(PublicKeyID)
    case username(String)
    /// A username on the name server of `server` (https, as Jami does).
    case usernameOnServer(String, server: ServerURL)

    public init(_ text: String) throws(ContactsError) {
        var s = Substring(text.lowercased()).trimmingSpaces()
        var hadScheme = false
        for scheme in ["jami:", "ring:", "sips:", "sip:"] where s.hasPrefix(scheme) {
            s = s.dropFirst(scheme.count)
            hadScheme = true
            while s.hasPrefix("/") { s = s.dropFirst() }
            break
        }
        for host in ["@ring.dht", "@jami.dht"] where s.hasSuffix(host) {
            s = s.dropLast(host.count)
        }
        if s.count == 40, let id = PublicKeyID(hex: s) {
            self = .account(id)
            return
        }
        // A URI names an account id; only a bare word is a username (the name server's rules).
        guard !hadScheme else { throw .invalidPeer(String(text.prefix(80))) }
        if s.contains("@") {
            let query: NameQuery
            do throws(NameServiceError) { query = try NameQuery(s) } catch .invalidServer(let why) {
                throw .invalidServer(String(text.prefix(80)), why)
            } catch {
                throw .invalidPeer(String(text.prefix(80)))
            }
            guard let server = query.server else { throw .invalidPeer(String(text.prefix(80))) }
            self = .usernameOnServer(query.name, server: server)
            return
        }
        guard let name = try? NameRules.canonical(s) else { throw .invalidPeer(String(text.prefix(80))) }
        self = .username(name)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        var start = startIndex, end = endIndex
        while start < end, isSpace(self[start]) { start = index(after: start) }
        while end > start, isSpace(self[index(before: end)]) { end = index(before: end) }
        return self[start..<end]
    }
}
