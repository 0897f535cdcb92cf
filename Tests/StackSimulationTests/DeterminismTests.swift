import DaemonWire
import Foundation
import StackSimulation
import TestSupport
import Testing

/// Same seed, same trace: `rafiki-sim` run twice (each a process of its own, as a user runs it)
/// writes the same event trace, line for line, and the same report; another seed does not.
extension StackSimulationSuite {
@Suite(.timeLimit(.minutes(8)))
struct DeterminismTests {
    static var productsDirectory: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            .deletingLastPathComponent()
    }

    /// Runs the tool; returns its trace and JSON report.
    func simulate(seed: Int, in dir: URL, name: String) async throws -> (trace: String, report: String) {
        let tool = Self.productsDirectory.appendingPathComponent("rafiki-sim").path
        try #require(FileManager.default.isExecutableFile(atPath: tool), "build rafiki-sim first")
        let trace = dir.appendingPathComponent("\(name).trace").path, report = dir.appendingPathComponent("\(name).json").path
        let child = try ChildProcess(tool, ["--accounts", "8", "--minutes", "25", "--seed", "\(seed)", "--churn", "0.3", "--loss", "0.05",
                                            "--hostile", "0.15", "--identities", TestPool.folder.path, "--trace", trace, "--json"],
                                     stdout: report, stderr: dir.appendingPathComponent("\(name).log").path)
        let status = await child.wait(.seconds(300))
        #expect(status == 0, "rafiki-sim exited with \(String(describing: status))")
        return (try String(contentsOfFile: trace, encoding: .utf8), try String(contentsOfFile: report, encoding: .utf8))
    }

    @Test func sameSeedSameTrace() async throws {
        _ = try await TestPool.get()  // the identities exist before either run reads them
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-sim-determinism-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await simulate(seed: 7, in: dir, name: "first")
        let second = try await simulate(seed: 7, in: dir, name: "second")
        let other = try await simulate(seed: 8, in: dir, name: "other")
        let lines = first.trace.split(separator: "\n")
        #expect(lines.count > 100, "the run did things: \(lines.count) trace lines")
        #expect(first.trace == second.trace)
        if first.trace != second.trace {
            let a = lines, b = second.trace.split(separator: "\n")
            let i = Array(zip(a, b)).firstIndex { $0 != $1 } ?? min(a.count, b.count)
            Issue.record("first difference at line \(i + 1): \(a.dropFirst(i).first ?? "<end>") / \(b.dropFirst(i).first ?? "<end>")")
        }
        // The reports match but for the wall time and memory.
        func stable(_ json: String) throws -> [String: String] {
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
            return object.filter { !["wallSeconds", "bytesPerAccount"].contains($0.key) }.mapValues { "\($0)" }
        }
        #expect(try stable(first.report) == stable(second.report))
        #expect(first.trace != other.trace)
    }
}
}
