import DHT
import Dispatch
import Glibc
import Logging

/// Turns configured `host:port` bootstrap entries into addresses, resolving names with the
/// system resolver (on a thread of its own: `getaddrinfo` blocks).
enum BootstrapResolver {
    static func resolve(_ entries: [String], logger: Logger) async -> [PeerAddress] {
        var out: [PeerAddress] = []
        for entry in entries {
            if let direct = PeerAddress(hostPort: entry) {
                out.append(direct)
                continue
            }
            guard let colon = entry.lastIndex(of: ":"), let port = UInt16(entry[entry.index(after: colon)...]) else {
                logger.warning("ignoring bootstrap entry (want host:port)", metadata: ["entry": "\(entry)"])
                continue
            }
            let host = String(entry[..<colon])
            let found = await withCheckedContinuation { c in
                DispatchQueue(label: "rafiki.resolve").async { c.resume(returning: lookup(host, port: port)) }
            }
            if found.isEmpty { logger.warning("cannot resolve bootstrap host", metadata: ["host": "\(host)"]) }
            out += found
        }
        return out
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
