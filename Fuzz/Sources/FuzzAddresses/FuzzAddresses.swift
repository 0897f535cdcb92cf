import Contacts
import DHT
import NameService

/// libFuzzer entry for every parser a host, port or URL from a user, a configuration file or a
/// server goes through: server URLs, hosts, `host:port` endpoints, DHT `host:port` addresses,
/// peer references, `user@host` queries and redirect targets. None may trap; what one accepts
/// must come out in a form it accepts again as the same value, with a port in 1…65535 and a
/// host within DNS limits. The first byte picks the parser so one corpus exercises all.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddresses(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    switch data[0] % 7 {
    case 0: if let url = try? ServerURL(text) { check(url) }
    case 1:
        if let host = try? ServerHost(text) {
            precondition((try? ServerHost(host.urlForm)) == host, "host does not re-parse: \(host)")
            precondition(host.text.utf8.count <= ServerHost.maxLength)
        }
    case 2:
        if let endpoint = try? ServerEndpoint(text) {
            precondition(endpoint.port >= 1)
            precondition((try? ServerEndpoint(endpoint.description)) == endpoint, "endpoint does not re-parse: \(endpoint)")
            if endpoint.host.kind != .name { precondition(PeerAddress(host: endpoint.host.text, port: endpoint.port) != nil, "IP literal not a PeerAddress: \(endpoint)") }
        }
    case 3:
        if let address = PeerAddress(hostPort: text) {
            precondition(PeerAddress(hostPort: address.description) == address, "PeerAddress does not re-parse: \(address)")
        }
    case 4:
        if case .usernameOnServer(let name, let server)? = try? PeerReference(text) {
            check(server)
            precondition(server.scheme == .https && (try? NameRules.canonical(name)) == name)
        }
    case 5:
        if let query = try? NameQuery(text), let server = query.server { check(server) }
    default:
        // A redirect: the first line is the current URL (a default one if it does not parse),
        // the rest the Location header.
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let fallback = try? ServerURL("https://ns.example.org:8443/name/alice")
        guard let base = (try? ServerURL(lines[0])) ?? fallback, lines.count == 2 else { return 0 }
        if let next = try? base.redirect(to: lines[1]) {
            check(next)
            precondition(!(base.scheme == .https && next.scheme == .http), "downgrade followed: \(base) -> \(next)")
        }
    }
    return 0
}

private func check(_ url: ServerURL) {
    precondition((try? ServerURL(url.string)) == url, "URL does not re-parse: \(url)")
    precondition(url.port.map { $0 >= 1 } ?? true)
    precondition(url.string.utf8.count <= ServerURL.maxLength)
    precondition(!url.string.contains("@") || url.path.contains("@"), "userinfo kept: \(url)")
}
