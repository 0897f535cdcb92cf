import DHT
import Foundation

/// Runs the reference OpenDHT harness (`../shared/peers/opendht_peer.py`, Debian's OpenDHT 2.4.12)
/// as a child process bounded in time, and reads its JSON-line output.
final class ReferencePeer: @unchecked Sendable {
    // @unchecked: `process` and `outputURL` are set once in init and only read afterwards;
    // Process itself is thread-safe for terminate/isRunning.
    let process: Process
    let outputURL: URL

    static let harness: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/peers/opendht_peer.py").path
    }()

    /// Starts `python3 opendht_peer.py ARGS`; it stops by itself after `--timeout`/`--duration`.
    init(_ arguments: [String]) throws {
        outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("refpeer-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.harness] + arguments
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: outputURL)
    }

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

    /// Waits for exit (killing the process after `timeout`) and returns the exit code.
    @discardableResult
    func wait(_ timeout: Duration = .seconds(40)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            process.terminate()
            try? await Task.sleep(for: .milliseconds(200))
            return -1
        }
        return process.terminationStatus
    }

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
        guard let port = await p.port() else { throw ReferencePeerError.notReady }
        return (p, PeerAddress(host: "127.0.0.1", port: port)!)
    }
}

enum ReferencePeerError: Error { case notReady }
