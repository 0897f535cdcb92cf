import Daemon
import DaemonWire
import Foundation
import Identity
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// `api.json`: where the running daemon's API listens, for the CLI. It is written atomically and
/// made exactly 0600 whatever the umask: it names a local socket or port only the user should use.
public enum APIEndpointFile {
    public static func endpoint(of channel: any Channel, socket: String?) -> APIEndpoint {
        let pid = ProcessInfo.processInfo.processIdentifier
        if let socket { return APIEndpoint(url: nil, socket: socket, pid: pid) }
        let address = channel.localAddress
        let host = address?.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "127.0.0.1"
        return APIEndpoint(url: "http://\(host):\(address?.port ?? 0)", socket: nil, pid: pid)
    }

    public static func write(_ endpoint: APIEndpoint, to url: URL) throws(DaemonError) {
        do {
            let json = try JSONEncoder().encode(endpoint)
            try SecureFile.write(Array(json), to: url, mode: 0o600)
        } catch {
            throw .storage("cannot write \(url.path): \(error)")
        }
        // open(2) applies the umask to the mode; set it exactly.
        guard chmod(url.path, 0o600) == 0 else { throw .storage("cannot chmod \(url.path): \(String(cString: strerror(errno)))") }
    }
}
