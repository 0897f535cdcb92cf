import DaemonWire
import DHTSimulation
import Foundation

extension StackScenario {
    /// The report and the event trace of a run.
    public struct Outcome: Sendable {
        public var report: Report
        public var trace: [String]
    }

    public enum RunError: Error, CustomStringConvertible {
        case tooFewIdentities(Int)
        case stalled

        public var description: String {
            switch self {
            case .tooFewIdentities(let n): "the identity pool holds \(n) identities, fewer than the accounts"
            case .stalled: "the simulation stopped before the scenario ended"
            }
        }
    }

    /// Runs the scenario over `pool` (at least `accounts` identities). `progress` hears a line
    /// per phase.
    public func run(pool: IdentityPool, measureMemory: Bool = false) async throws -> Outcome {
        guard pool.members.count >= accounts else { throw RunError.tooFewIdentities(pool.members.count) }
        var settings = VirtualNetwork.Settings()
        settings.seed = seed
        settings.lossRate = loss
        let wallStart = ContinuousClock.now
        let scenario = self
        let outcome = await Simulation.run(settings, timeLimit: duration + 600_000) { sim -> Outcome in
            let memoryBefore = measureMemory ? residentBytes() : 0
            let run = StackRun(scenario: scenario, simulation: sim, pool: pool)
            await run.run()
            let memoryAfter = measureMemory ? residentBytes() : 0
            return Outcome(report: run.report(wallSeconds: 0, bytesPerAccount: max(0, memoryAfter - memoryBefore) / max(1, scenario.accounts)),
                           trace: run.trace.lines)
        }
        guard var outcome else { throw RunError.stalled }
        let wall = ContinuousClock.now - wallStart
        outcome.report.wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        return outcome
    }
}

extension StackRun {
    func report(wallSeconds: Double, bytesPerAccount: Int) -> StackScenario.Report {
        let times = delivered.keys.sorted().compactMap { pair in added[pair].map { delivered[pair]! - $0 } }.sorted()  // safe: keys of delivered
        func percentile(_ p: Double) -> Int64 {
            guard !times.isEmpty else { return 0 }
            return times[min(times.count - 1, Int((Double(times.count - 1) * p).rounded()))]
        }
        return StackScenario.Report(
            accounts: scenario.accounts, hostileAccounts: accounts.filter(\.hostile).count, seed: scenario.seed,
            churn: scenario.churn, loss: scenario.loss,
            requestsSent: added.count, requestsDelivered: delivered.keys.filter { added[$0] != nil }.count,
            deliveryRate: added.isEmpty ? 0 : Double(delivered.keys.filter { added[$0] != nil }.count) / Double(added.count),
            deliveryP50Ms: percentile(0.5), deliveryP99Ms: percentile(0.99),
            requestsAccepted: accepted.count, confirmationsSeen: accepted.intersection(confirmed).count,
            presenceAccuracy: presenceSamples == 0 ? 0 : Double(presenceCorrect) / Double(presenceSamples), presenceSamples: presenceSamples,
            hostileRequestsShown: hostileRequestsShown, hostileConnectionRequests: attacksSeen,
            simulatedSeconds: Double(elapsed) / 1000, wallSeconds: wallSeconds, bytesPerAccount: bytesPerAccount,
            datagrams: sim.network.datagramsDelivered, datagramsLost: sim.network.datagramsLost, jobs: sim.executor.jobsRun,
            traceLines: trace.lines.count)
    }
}

/// Resident memory of this process, from /proc/self/statm (pages × page size).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
