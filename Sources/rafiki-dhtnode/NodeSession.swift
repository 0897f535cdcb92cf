@preconcurrency import Glibc
import DHT
import DHTTransport
import Dispatch
import FoundationEssentials
import Identity
import SecureDHT

/// Exit codes shared with the reference harness.
enum ExitStatus: Int32 {
    case ok = 0, failed = 1, usage = 2, fewerThanExpected = 3, timeout = 4
}

/// Starts a node from the global options, prints `ready`, bootstraps, and enforces `--timeout`.
/// Every node applies SecureDht's store checks, as every OpenDHT `DhtRunner` does; with an
/// identity it also publishes its certificate once connected (a `certificate` line says so).
enum NodeSession {
    static func start(
        _ g: GlobalOptions, defaultPort: Int, watchdog: Bool = true, identity: DeviceIdentity? = nil, limits: LimitOptions? = nil
    ) async -> (secure: SecureDHTNode, node: DHTNode) {
        var config = DHTNode.Configuration(bindHost: g.bind, port: g.port ?? defaultPort)
        config.dht.network = g.network
        if g.noRateLimit {
            config.dht.maxRequestsPerSecond = nil
            config.dht.maxRequestsPerSecondPerIP = nil
        }
        limits?.apply(to: &config.dht)
        if watchdog { startWatchdog(seconds: g.timeout) }
        SecureDHTNode.enforcePolicies(on: &config.dht)
        let node: DHTNode
        do {
            node = try await DHTNode.start(config)
        } catch {
            fail("\(error)", status: .failed)
        }
        let secure = SecureDHTNode(node: node, identity: identity, logger: config.logger)
        var ready = JSONLine(event: "ready")
        ready.add("backend", "rafiki")
        ready.add("node_id", node.nodeId.hex)
        ready.add("bound", node.localAddress.description)
        ready.add("port", Int(node.localAddress.port))
        if let pk = secure.publicKeyID { ready.add("pk_id", pk.hex) }
        ready.emit()
        if !g.bootstrapAddresses.isEmpty {
            do {
                try await node.bootstrap(g.bootstrapAddresses, timeout: .seconds(min(g.timeout, 10)))
                if identity != nil { Task { await publishCertificate(secure) } }
            } catch {
                Output.diagnostic("no bootstrap node answered; continuing alone")
            }
        }
        return (secure, node)
    }

    private static func publishCertificate(_ node: SecureDHTNode) async {
        let stored = (try? await node.publishCertificate()) ?? 0
        var l = JSONLine(event: "certificate")
        l.add("ok", stored > 0)
        l.add("pk_id", node.publicKeyID?.hex)
        l.add("stored_on", stored)
        l.emit()
    }

    /// Prints an error line and exits.
    static func fail(_ message: String, status: ExitStatus) -> Never {
        var l = JSONLine(event: "error")
        l.add("message", message)
        l.emit()
        exit(status.rawValue)
    }

    private static func startWatchdog(seconds: Double) {
        // A Dispatch timer, not a task: it fires even if every cooperative thread is blocked.
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            let tenths = Int((seconds * 10).rounded())
            fail("timeout after \(tenths / 10).\(tenths % 10)s", status: .timeout)
        }
    }
}
