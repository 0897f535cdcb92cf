@preconcurrency import Glibc
import ArgumentParser
import DHT
import DHTTransport
import Dispatch
@preconcurrency import FoundationEssentials

/// `serve`: a bootstrap node. Without `--duration` it runs until SIGINT/SIGTERM, saving its
/// routing table on the way out and reloading it at the next start.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stay up as a node others can bootstrap from.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var identity: IdentityOptions
    @OptionGroup(title: "Limits") var limits: LimitOptions

    @Option(help: "Seconds to stay up; omit to run until SIGINT/SIGTERM.")
    var duration: Double?

    @Option(help: "Where the routing table is saved and reloaded (default: $XDG_STATE_HOME/rafiki/dhtnode-PORT.nodes when no --duration is given).")
    var nodesFile: String?

    func run() async throws {
        let node = await NodeSession.start(global, defaultPort: 4222, watchdog: false, identity: identity.load(), limits: limits).node
        let file = nodesFile ?? (duration == nil ? Self.defaultNodesFile(port: node.localAddress.port) : nil)
        if let file, let saved = NodesFile.load(file) {
            try? await node.importNodes(saved)
            Output.diagnostic("reloaded \(saved.count) nodes from \(file)")
        }
        let reason = await Self.waitForStop(duration: duration, node: node, file: file)
        if let file { await NodesFile.save(node, to: file) }
        var stopped = JSONLine(event: "stopped")
        stopped.add("reason", reason)
        stopped.emit()
        await node.shutdown()
    }

    /// Waits for the duration or a signal, saving the routing table every 10 minutes.
    private static func waitForStop(duration: Double?, node: DHTNode, file: String?) async -> String {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let (signals, continuation) = AsyncStream<Void>.makeStream()
        let sources = [SIGINT, SIGTERM].map { sig in
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { continuation.yield() }
            s.resume()
            return s
        }
        defer { sources.forEach { $0.cancel() } }
        return await withTaskGroup(of: String.self) { group in
            group.addTask {
                for await _ in signals { return "signal" }
                return "signal"
            }
            group.addTask {
                let start = ContinuousClock.now
                while !Task.isCancelled, duration.map({ ContinuousClock.now - start < .seconds($0) }) ?? true {
                    let left = duration.map { $0 - Double((ContinuousClock.now - start).components.seconds) } ?? 600
                    do {
                        try await Task.sleep(for: .seconds(max(0.05, min(left, 600))))
                    } catch {
                        break  // cancelled: a signal arrived
                    }
                    if let file, duration == nil { await NodesFile.save(node, to: file) }
                }
                return "duration"
            }
            let first = await group.next() ?? "duration"
            group.cancelAll()
            return first
        }
    }

    static func defaultNodesFile(port: UInt16) -> String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((env["HOME"] ?? "/tmp") + "/.local/state")
        return base + "/rafiki/dhtnode-\(port).nodes"
    }
}

/// The saved routing table: one `ID HOST:PORT` line per good node.
enum NodesFile {
    static func load(_ path: String) -> [WireMessage.NodeEntry]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let id = InfoHash(hex: String(parts[0])), let a = PeerAddress(hostPort: String(parts[1])) else { return nil }
            return .init(id: id, address: a)
        }
    }

    /// Writes atomically (temporary file, then rename), so a crash never leaves half a file.
    static func save(_ node: DHTNode, to path: String) async {
        guard let nodes = try? await node.exportNodes() else { return }
        let text = nodes.map { "\($0.id.hex) \($0.address)" }.joined(separator: "\n") + "\n"
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            Output.diagnostic("could not save the routing table to \(path): \(error)")
        }
    }
}
