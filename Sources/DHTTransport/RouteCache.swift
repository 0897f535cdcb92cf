import DHT
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Which destination IPs this host has a route to. SwiftNIO closes a UDP channel when a send
/// fails with ENETUNREACH (only EHOSTUNREACH and EMSGSIZE count as recoverable), and DHT
/// replies name addresses we may have no route to at all (another private network, IPv6 on an
/// IPv4-only host): one such datagram would take the whole node down. So before the first send
/// to an IP, a `connect()` on a scratch UDP socket asks the kernel for a route (no packet leaves);
/// the answer is cached for a minute.
///
/// Cost: one dictionary lookup per datagram; one syscall per new IP per minute. Bounded at
/// ``maxEntries`` (cleared when full). Confined to the node's event loop.
final class RouteCache {
    static let maxEntries = 8192
    static let lifetime: Int64 = 60_000
    private var entries: [PeerAddress.IP: (routable: Bool, checked: Int64)] = [:]
    private var sockets: [AddressFamily: CInt] = [:]

    deinit { for fd in sockets.values { close(fd) } }

    func isRoutable(_ to: PeerAddress, now: Int64) -> Bool {
        if let e = entries[to.ip], now - e.checked < Self.lifetime { return e.routable }
        if entries.count >= Self.maxEntries { entries.removeAll(keepingCapacity: true) }
        let routable = check(to.socketAddress, family: to.family)
        entries[to.ip] = (routable, now)
        return routable
    }

    private func check(_ address: SocketAddress, family: AddressFamily) -> Bool {
        let fd: CInt
        if let existing = sockets[family] {
            fd = existing
        } else {
            fd = socket(family == .inet ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { return true }  // cannot ask: let the send decide
            sockets[family] = fd
        }
        let result = address.withSockAddr { sa, length in connect(fd, sa, socklen_t(length)) }
        return result == 0 || (errno != ENETUNREACH && errno != EHOSTUNREACH && errno != EACCES && errno != EPERM)
    }
}
