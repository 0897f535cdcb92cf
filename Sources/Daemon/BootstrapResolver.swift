import DHT
import Dispatch
import Glibc
import Logging
import NameService

/// Turns configured `host:port` bootstrap entries into addresses, resolving names with the
/// system resolver (on a thread of its own: `getaddrinfo` blocks). Each entry is checked as a
/// ``ServerEndpoint`` first (port 1…65535, a valid host); a bad one is logged and skipped.
enum BootstrapResolver {
    static func resolve(_ entries: [String], logger: Logger) async -> [PeerAddress] {
        var out: [PeerAddress] = []
        for entry in entries {
            let endpoint: ServerEndpoint
            do { endpoint = try ServerEndpoint(entry) } catch {
                logger.warning("ignoring bootstrap entry", metadata: ["entry": "\(entry.prefix(80))", "error": "\(error)"])
                continue
            }
            if endpoint.host.kind != .name, let direct = PeerAddress(host: endpoint.host.text, port: endpoint.port) {
                out.append(direct)
                continue
            }
            let found = await withCheckedContinuation { c in
                DispatchQueue(label: "rafiki.resolve").async { c.resume(returning: lookup(endpoint.host.text, port: endpoint.port)) }
            }
            if found.isEmpty { logger.warning("cannot resolve bootstrap host", metadata: ["host": "\(endpoint.host)"]) }
            out += found
        }
        return out
    }

    /// The entries `resolve` would refuse, with the reason: for checking a configuration.
    static func invalidEntries(_ entries: [String]) -> [(String, NameServiceError)] {
        entries.compactMap { entry -> (String, NameServiceError)? in
            do throws(NameServiceError) { _ = try ServerEndpoint(entry); return nil } catch { return (entry, error) }
        }
    }

    private static func lookup(_ host: String, port: UInt16) -> [PeerAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var out: [PeerAddress] = []
        var cursor = list
        while let ai = cursor?.pointee {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(ai.ai_addr, ai.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0,
               let a = PeerAddress(host: String(cString: buffer), port: port), !out.contains(a) {
                out.append(a)
            }
            cursor = ai.ai_next
        }
        return out
    }
}
