import DHT
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

extension PeerAddress {
    /// Converts a NIO socket address; `nil` for Unix-domain addresses.
    init?(_ address: SocketAddress) {
        switch address {
        case .v4(let a):
            let ip = UInt32(bigEndian: a.address.sin_addr.s_addr)
            self.init(ip: .v4(ip), port: UInt16(bigEndian: a.address.sin_port))
        case .v6(let a):
            var raw = a.address.sin6_addr
            let bytes = withUnsafeBytes(of: &raw) { Array($0) }
            self.init(addressBytes: bytes, port: UInt16(bigEndian: a.address.sin6_port))
        default:
            return nil
        }
    }

    /// The NIO socket address for sending to this peer.
    var socketAddress: SocketAddress {
        switch ip {
        case .v4(let a):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = a.bigEndian
            return SocketAddress(sin, host: "")
        case .v6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { dst in
                for (i, b) in addressBytes.enumerated() { dst[i] = b }
            }
            return SocketAddress(sin6, host: "")
        }
    }
}
