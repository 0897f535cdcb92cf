import DHT
import Foundation
import TestSupport

/// Runs the reference OpenDHT harness (`../shared/peers/opendht_peer.py`, Debian's OpenDHT 2.4.12)
/// as a child process, and reads its JSON-line output. The process is a ``ChildProcess``: the
/// test's scope (`.stopsChildren`) stops it when the test ends, pass or fail; its own
/// `--timeout`/`--duration` is only a backstop for a crashed test runner.
final class ReferencePeer: Sendable {
    let child: ChildProcess
    let outputURL: URL

    static let harness: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/peers/opendht_peer.py").path
    }()

    /// Starts `python3 opendht_peer.py ARGS`.
    init(_ arguments: [String]) throws {
        outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("refpeer-\(UUID().uuidString).jsonl")
        child = try ChildProcess("/usr/bin/python3", [Self.harness] + arguments, stdout: outputURL.path)
    }

    deinit {
        try? FileManager.default.removeItem(at: outputURL)
    }

    /// The exit status once it has exited.
    var status: Int32? { child.exitStatus }

    /// Output lines parsed as JSON objects.
    var lines: [[String: Any]] {
        guard let data = try? Data(contentsOf: outputURL), let text = String(data: data, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func events(_ name: String) -> [[String: Any]] { lines.filter { $0["event"] as? String == name } }

    /// Waits until an output line satisfies `predicate`, or `timeout` passes.
    func waitFor(_ timeout: Duration = .seconds(20), _ predicate: ([String: Any]) -> Bool) async -> [String: Any]? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let l = lines.first(where: predicate) { return l }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// The UDP port from the `ready` line.
    func port() async -> UInt16? {
        await waitFor { $0["event"] as? String == "ready" }.flatMap { ($0["port"] as? Int).map(UInt16.init) }
    }

    /// Waits for exit (stopping the process after `timeout`) and returns the exit code, -1 when
    /// it had to be stopped.
    @discardableResult
    func wait(_ timeout: Duration = .seconds(40)) async -> Int32 {
        await child.wait(timeout) ?? -1
    }

    /// Stops it now (SIGTERM to its process group, then SIGKILL) and waits until it is gone.
    func stop() async { await child.stop() }

    /// Data of the `value` lines, as UTF-8 text.
    var valueTexts: [String] { events("value").compactMap { $0["data_utf8"] as? String } }

    /// Runs a short command to completion.
    static func run(_ arguments: [String], timeout: Duration = .seconds(40)) async throws -> ReferencePeer {
        let p = try ReferencePeer(arguments)
        await p.wait(timeout)
        return p
    }

    /// A serving OpenDHT node and its address.
    static func serve(seconds: Int, bootstrap: PeerAddress? = nil) async throws -> (ReferencePeer, PeerAddress) {
        var args = ["--port", "0"]
        if let bootstrap { args += ["--bootstrap", bootstrap.description] }
        let p = try ReferencePeer(args + ["serve", "--duration", String(seconds)])
        guard let port = await p.port(), let address = PeerAddress(host: "127.0.0.1", port: port) else {
            await p.stop()
            throw ReferencePeerError.notReady
        }
        return (p, address)
    }
}

enum ReferencePeerError: Error { case notReady }
