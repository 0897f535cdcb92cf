@preconcurrency import Glibc
import ArgumentParser
import Foundation

/// `rafiki-dht-bench`: our node and OpenDHT 2.4.12 measured side by side in the same run.
/// Run it pinned to one core (`taskset -c 1`); target nodes are pinned to core 0.
@main
struct RafikiDHTBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafiki-dht-bench",
        abstract: "Benchmark the Rafiki DHT node against OpenDHT in the same run (ours, theirs, ratio).")

    @Option(help: "Seconds per throughput phase.") var seconds = 3.0
    @Option(help: "Keys for the latency measurement.") var keys = 1000
    @Option(help: "Nodes in the latency network.") var nodes = 32
    @Option(help: "Values stored to measure memory per value.") var storedValues = 20_000
    @Option(help: "Rounds of throughput phases; medians are reported.") var rounds = 3
    @Flag(help: "Skip the latency measurement.") var skipLatency = false
    @Flag(help: "Skip the put flood at the storage quota.") var skipQuota = false

    func run() async throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let python = ["/usr/bin/python3", root + "/Benchmarks/opendht_bench.py"]

        // Throughput and memory per stored value: each target on core 0, measured in turns (ours,
        // theirs, per kind and round) so that noise from other tenants hits both alike.
        let ours = try Target.start(["taskset", "-c", "0", dir + "/rafiki-dhtnode", "--no-rate-limit", "serve", "--port", "0", "--duration", "3600"])
        let theirs = try Target.start(["taskset", "-c", "0"] + python + ["serve"])
        defer { ours.stop(); theirs.stop() }
        progress("targets up: ours on port \(ours.port), OpenDHT on port \(theirs.port)")
        var sessions = [try Throughput.Session(port: ours.port, pid: ours.pid), try Throughput.Session(port: theirs.port, pid: theirs.pid)]
        for i in sessions.indices { try await sessions[i].prepare() }
        var perSecond: [[String: [Double]]] = [[:], [:]], perCPU: [[String: [Double]]] = [[:], [:]]
        for round in 1...rounds {
            for kind in Throughput.kinds {
                progress("round \(round)/\(rounds): \(kind)")
                for (i, session) in sessions.enumerated() {
                    let r = try await session.measure(kind, seconds: seconds)
                    perSecond[i][kind, default: []].append(r.perSecond)
                    perCPU[i][kind, default: []].append(r.perCPUSecond)
                }
            }
        }
        progress("storing \(storedValues) values in each")
        var bytesPerValue: [Double] = []
        for session in sessions { bytesPerValue.append(try await session.bytesPerValue(count: storedValues)) }
        var flood: [(below: Double, atQuota: Double)] = []
        if !skipQuota {
            progress("put flood below and at the 64 MiB storage quota")
            for session in sessions {
                flood.append(try await Throughput.quotaFlood(session, quotaBytes: 64 << 20, valueBytes: 400, seconds: 1))
            }
        }
        ours.stop(); theirs.stop()

        // Idle memory: a fresh node of each, 2 s after start (theirs: Debian's dhtnode binary).
        let idleOurs = try Target.start([dir + "/rafiki-dhtnode", "serve", "--port", "0", "--duration", "60"])
        // dhtnode reads commands from standard input: keep it open and silent.
        let idleTheirs = try Target.start(["dhtnode", "-p", "0"], waitForReady: false, keepStdinOpen: true)
        try await Task.sleep(for: .seconds(2))
        let idle = (Process.residentBytes(pid: idleOurs.pid), Process.residentBytes(pid: idleTheirs.pid))
        let idlePrivate = (Process.privateResidentBytes(pid: idleOurs.pid), Process.privateResidentBytes(pid: idleTheirs.pid))
        idleOurs.stop(); idleTheirs.stop()

        print("medians of \(rounds) rounds of \(seconds) s    ours        OpenDHT     ours/OpenDHT")
        for kind in Throughput.kinds {
            row("\(kind) replies/s (1 core)", median(perSecond[0][kind]), median(perSecond[1][kind]), "%.0f")
        }
        for kind in Throughput.kinds {
            row("\(kind) replies/CPU-s", median(perCPU[0][kind]), median(perCPU[1][kind]), "%.0f")
        }
        row("bytes per stored value", bytesPerValue[0], bytesPerValue[1], "%.0f")
        if flood.count == 2 {
            row("puts/s below quota", flood[0].below, flood[1].below, "%.0f")
            row("puts/s at quota (evicting)", flood[0].atQuota, flood[1].atQuota, "%.0f")
            row("at quota / below", flood[0].atQuota / max(flood[0].below, 1), flood[1].atQuota / max(flood[1].below, 1), "%.2f")
        }
        row("idle node RSS (KiB)", Double(idle.0) / 1024, Double(idle.1) / 1024, "%.0f")
        row("idle node RssAnon (KiB)", Double(idlePrivate.0) / 1024, Double(idlePrivate.1) / 1024, "%.0f")

        guard !skipLatency else { return }
        progress("latency: \(nodes) nodes, \(keys) keys, ours then OpenDHT")
        let l = try await Latency.measure(nodes: nodes, keys: keys)
        let theirL = try Target.runJSON(python + ["latency", "--nodes", String(nodes), "--keys", String(keys)])
        for (name, ours, key) in [("put p50 (ms)", l.put_p50, "put_p50"), ("put p99 (ms)", l.put_p99, "put_p99"),
                                  ("get p50 (ms)", l.get_p50, "get_p50"), ("get p99 (ms)", l.get_p99, "get_p99"),
                                  ("listen p50 (ms)", l.listen_p50, "listen_p50"), ("listen p99 (ms)", l.listen_p99, "listen_p99")] {
            row(name, ours, (theirL[key] as? Double) ?? 0, "%.2f")
        }
    }

    func median(_ xs: [Double]?) -> Double {
        let sorted = (xs ?? []).sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    func progress(_ s: String) { fputs("[bench] \(s)\n", stderr) }

    func row(_ name: String, _ ours: Double, _ theirs: Double, _ format: String) {
        let ratio = theirs > 0 ? String(format: "%.2f", ours / theirs) : "-"
        print(name.padding(toLength: 30, withPad: " ", startingAt: 0)
              + String(format: format, ours).padding(toLength: 12, withPad: " ", startingAt: 0)
              + String(format: format, theirs).padding(toLength: 12, withPad: " ", startingAt: 0) + ratio)
    }
}

/// A node process under test.
final class Target {
    let process = Process()
    var port = 0
    var pid: Int32 { process.processIdentifier }
    /// Held so the pipe stays open: a node writing to a closed pipe would die of SIGPIPE.
    private var output: FileHandle?

    private var stdin: Pipe?

    static func start(_ argv: [String], waitForReady: Bool = true, keepStdinOpen: Bool = false) throws -> Target {
        let t = Target()
        t.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        t.process.arguments = argv
        let pipe = Pipe()
        t.process.standardOutput = pipe
        t.process.standardError = FileHandle.nullDevice
        if keepStdinOpen {
            let input = Pipe()
            t.stdin = input
            t.process.standardInput = input
        } else {
            t.process.standardInput = FileHandle.nullDevice
        }
        try t.process.run()
        guard waitForReady else { return t }
        // The first line is the `ready` JSON with the bound port.
        var line = Data()
        while let byte = try pipe.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([10]) { line += byte }
        let json = try JSONSerialization.jsonObject(with: line) as? [String: Any]
        t.port = json?["port"] as? Int ?? 0
        t.output = pipe.fileHandleForReading
        return t
    }

    /// SIGTERM, then SIGKILL if the process is still there a second later.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<20 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    static func runJSON(_ argv: [String]) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let line = data.split(separator: 10).last.map { Data($0) } ?? Data()
        return (try? JSONSerialization.jsonObject(with: line) as? [String: Any]) ?? [:]
    }
}
