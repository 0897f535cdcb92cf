@preconcurrency import Glibc
import DHT
import DHTTransport
import Dispatch
import FoundationEssentials

/// Exit codes shared with the reference harness.
enum ExitStatus: Int32 {
    case ok = 0, failed = 1, usage = 2, fewerThanExpected = 3, timeout = 4
}

/// Starts a node from the global options, prints `ready`, bootstraps, and enforces `--timeout`.
enum NodeSession {
    static func start(_ g: GlobalOptions, defaultPort: Int, watchdog: Bool = true) async -> DHTNode {
        var config = DHTNode.Configuration(bindHost: g.bind, port: g.port ?? defaultPort)
        config.dht.network = g.network
        if g.noRateLimit {
            config.dht.maxRequestsPerSecond = nil
            config.dht.maxRequestsPerSecondPerIP = nil
        }
        if watchdog { startWatchdog(seconds: g.timeout) }
        let node: DHTNode
        do {
            node = try await DHTNode.start(config)
        } catch {
            fail("\(error)", status: .failed)
        }
        var ready = JSONLine(event: "ready")
        ready.add("backend", "rafiki")
        ready.add("node_id", node.nodeId.hex)
        ready.add("bound", node.localAddress.description)
        ready.add("port", Int(node.localAddress.port))
        ready.emit()
        if !g.bootstrapAddresses.isEmpty {
            do {
                try await node.bootstrap(g.bootstrapAddresses, timeout: .seconds(min(g.timeout, 10)))
            } catch {
                Output.diagnostic("no bootstrap node answered; continuing alone")
            }
        }
        return node
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
