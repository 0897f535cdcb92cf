import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Synchronization
import Testing

/// The API on a Unix socket instead of loopback TCP: REST, the token, the line-delimited event
/// stream, the socket's mode, and a socket left by a crashed daemon.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct UnixSocketAPITests {
    @Test func theAPIAndItsEventsWorkOverAUnixSocket() async throws {
        let network = try await TestNetwork()
        let d = TestDaemon(network: network, onUnixSocket: true)
        defer { d.remove() }
        // A socket file nobody listens on, as a killed daemon leaves it: the daemon still starts.
        try FileManager.default.createDirectory(at: d.home.root, withIntermediateDirectories: true)
        try Self.leaveStaleSocket(at: d.socketPath)
        try await d.start()

        var info = stat()
        #expect(lstat(d.socketPath, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let status = try await d.client.call(.GET, "/v1/status", as: API.Status.self)
        #expect(status.accounts == 0)
        await #expect(throws: DaemonClientError.self) {
            _ = try await DaemonClient(unixSocket: d.socketPath, token: String(repeating: "0", count: 64)).call(.GET, "/v1/status", rawBody: nil)
        }

        // The stream is open before the account exists, and sees it come online.
        let lines = Lines()
        let client = d.client!
        let watcher = Task {
            try await client.events { event, line in
                lines.all.withLock { $0.append(line) }
                return !(event.type == .registration && event.state == "registered")
            }
        }
        for await n in d.daemon.events.subscriberCounts() where n > status.eventSubscribers { break }
        let me = try await d.createAccount("Over a socket")
        try await watcher.value  // the suite's time limit bounds it
        let seen = lines.all.withLock { $0 }
        #expect(seen.contains { $0.contains(#""state":"registered""#) && $0.contains(me.id) })
        #expect(seen.allSatisfy { !$0.contains("\n") && $0.hasPrefix("{") })

        // A wrong token gets 401 on the stream too.
        await #expect(throws: DaemonClientError.self) {
            try await DaemonClient(unixSocket: d.socketPath, token: "wrong").events { _, _ in false }
        }
        await d.stop()
        await network.stop()
    }

    final class Lines: Sendable { let all = Mutex<[String]>([]) }

    /// Binds a Unix socket at `path` and closes it without unlinking, as a killed process would.
    static func leaveStaleSocket(at path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestFailure("cannot bind \(path)") }
    }
}
