@preconcurrency import Glibc
import ArgumentParser
import DHTSimulation
import Foundation

/// `rafiki-dht-sim`: runs the DHT core in a deterministic virtual network and reports lookup
/// hops, success under churn and loss, memory per node and simulation speed.
struct RafikiDHTSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafiki-dht-sim",
        abstract: "Simulate thousands of DHT nodes in one process, deterministically.")

    @Option(help: "Number of nodes.") var nodes = 5_000
    @Option(help: "Values stored then looked up.") var values = 200
    @Option(help: "Share of nodes removed before the lookups.") var churn = 0.30
    @Option(help: "Share of datagrams lost.") var loss = 0.05
    @Option(help: "Random seed; the same seed gives the same run.") var seed: UInt64 = 42
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        var scenario = SimulationScenario()
        scenario.nodeCount = nodes
        scenario.valueCount = values
        scenario.churn = churn
        scenario.lossRate = loss
        scenario.seed = seed
        let wallStart = ContinuousClock.now
        let report = scenario.run(
            progress: { fputs("[sim] \($0)\n", stderr) },
            memoryInUse: residentBytes)
        let wall = ContinuousClock.now - wallStart
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        if json {
            let data = try JSONEncoder().encode(report)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("""
            nodes                      \(report.nodes)
            values                     \(report.values) (puts acknowledged: \(report.putsAcknowledged))
            churn / loss               \(Int(report.churn * 100)) % of nodes removed / \(Int(report.lossRate * 100)) % of datagrams lost
            get success rate           \(String(format: "%.1f", report.successRate * 100)) % (\(report.lookupsSucceeded)/\(report.lookups))
            lookup hops (mean)         \(String(format: "%.2f", report.meanHops)) round trips to the value (\(String(format: "%.0f", report.meanFirstValueMilliseconds)) ms)
            lookup completion (mean)   \(String(format: "%.0f", report.meanLookupMilliseconds)) ms (waits out unresponsive nodes)
            get requests per lookup    \(String(format: "%.1f", report.meanRequestsPerLookup))
            memory per node            \(report.bytesPerNode / 1024) KiB (\(report.bytesPerNode) bytes)
            simulated time             \(String(format: "%.0f", report.simulatedSeconds)) s in \(String(format: "%.1f", wallSeconds)) s wall
            simulated s per wall s     \(String(format: "%.1f", report.simulatedSeconds / wallSeconds))
            datagrams                  \(report.datagrams) delivered, \(report.datagramsLost) lost
            """)
    }
}

/// Resident memory of this process, from /proc/self/statm (pages × page size).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

RafikiDHTSim.main()
