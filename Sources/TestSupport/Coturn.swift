import Foundation
import Glibc

/// A private coturn (`turnserver`, Debian's `coturn`) for a test: TCP only, long-term
/// credentials `ring`/`ring` in realm `rafiki.test`, relaying to loopback peers, no database,
/// no CLI. Started on a free port of `listen` (or inside a network namespace by the caller with
/// `wrap`), stopped with ``stop()``.
public final class Coturn: Sendable {
    public static let username = "ring", password = "ring", realm = "rafiki.test"
    public let port: Int
    public let host: String
    private let child: ChildProcess
    public let logFile: String

    /// - Parameters:
    ///   - relayIP: the address relayed connections use (defaults to `listen`).
    ///   - wrap: a command prefix (`ip netns exec NAME`) to run it elsewhere.
    public init(listen: String = "127.0.0.1", relayIP: String? = nil, wrap: [String] = []) async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/turnserver") else { throw CoturnError(description: "coturn is not installed (run .ci/run)") }
        host = listen
        // Below Linux's ephemeral range (32768–60999), which every other socket of a test run
        // draws from: a listening port and relay ports there could be taken by then.
        port = Int.random(in: 20_000...32_000)
        logFile = "/tmp/rafiki-coturn-\(UUID().uuidString.prefix(8)).log"
        let arguments = [
            "-n", "--no-cli", "--no-tls", "--no-dtls", "--no-udp", "--no-stun-backward-compatibility",
            "-L", listen, "-E", relayIP ?? listen, "-p", String(port), "--min-port", "10000", "--max-port", "19999",
            "-a", "-u", "\(Self.username):\(Self.password)", "-r", Self.realm, "--allow-loopback-peers",
            "--no-multicast-peers", "--log-file", logFile, "--simple-log", "--pidfile", logFile + ".pid",
            "--userdb", logFile + ".db",
        ]
        let argv = wrap.isEmpty ? arguments : Array(wrap.dropFirst()) + ["/usr/bin/turnserver"] + arguments
        child = try ChildProcess(wrap.first ?? "/usr/bin/turnserver", argv, stdout: logFile + ".out", stderr: logFile + ".out")
        // Ready once its TCP port takes connections (it opens its listeners after its relays).
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if Self.accepts(listen, port: port) { return }
            guard child.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = await child.stop()
        let out = (try? String(contentsOfFile: logFile + ".out", encoding: .utf8)) ?? ""
        throw CoturnError(description: "coturn did not start: \(out.suffix(500))")
    }

    /// Whether a TCP connection to `host:port` (IPv4) succeeds now.
    static func accepts(_ host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Runs `body` with a fresh coturn and stops it afterwards, pass or fail (a `defer { Task
    /// { … } }` would leave it running when the test process exits first).
    public static func with<T>(_ body: (Coturn) async throws -> T) async throws -> T {
        let turn = try await Coturn()
        do {
            let result = try await body(turn)
            await turn.stop()
            return result
        } catch {
            await turn.stop()
            throw error
        }
    }

    public func stop() async {
        _ = await child.stop()
        guard ProcessInfo.processInfo.environment["RAFIKI_KEEP_LOGS"] == nil else { return }
        for suffix in ["", ".out", ".pid", ".db"] { try? FileManager.default.removeItem(atPath: logFile + suffix) }
    }
}

public struct CoturnError: Error, CustomStringConvertible {
    public let description: String
}
