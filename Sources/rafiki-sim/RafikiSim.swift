import ArgumentParser
import Foundation
import StackSimulation

/// `rafiki-sim`: whole account stacks in a deterministic simulation; prints the report.
@main
struct RafikiSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafiki-sim",
        abstract: "Run complete Rafiki account stacks on a simulated DHT, deterministically.",
        discussion: """
            The accounts run the daemon's own services and SQLite state over SecureDHT, on a virtual \
            network with loss and a virtual clock. The same seed (and identity folder) gives the \
            same event trace.
            """)

    @Option(help: "Number of accounts.") var accounts = 100
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Share of accounts that go offline once and come back.") var churn = 0.30
    @Option(help: "Share of datagrams lost.") var loss = 0.05
    @Option(help: "Share of accounts that attack the others.") var hostile = 0.0
    @Option(help: "Trust requests each honest account sends.") var requests = 2
    @Option(help: "Simulated minutes the run lasts.") var minutes = 60
    @Option(help: "Write the event trace (one line per event, in simulated-time order) to this file.") var trace: String?
    @Option(help: "Folder of account identities, made once and reused (default: ~/.cache/rafiki-sim).") var identities: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        guard accounts >= 2 else { throw ValidationError("--accounts must be at least 2") }
        guard (0...1).contains(churn), (0...1).contains(loss), (0..<1).contains(hostile) else {
            throw ValidationError("--churn and --loss must be between 0 and 1, --hostile below 1")
        }
        guard minutes >= 20 else { throw ValidationError("--minutes must be at least 20 (requests go out in the first 15)") }
    }

    func run() async throws {
        DeterministicHashing.ensure()
        let folder = identities.map { URL(fileURLWithPath: $0) } ?? IdentityPool.defaultFolder()
        let pool = try await IdentityPool.load(count: accounts, folder: folder) { ready in
            FileHandle.standardError.write(Data("\r[sim] identities: \(ready)/\(accounts)".utf8))
        }
        FileHandle.standardError.write(Data("\n[sim] running \(minutes) simulated minutes…\n".utf8))
        var scenario = StackScenario()
        scenario.accounts = accounts
        scenario.seed = seed
        scenario.churn = churn
        scenario.loss = loss
        scenario.hostile = hostile
        scenario.requestsPerAccount = requests
        scenario.duration = Int64(minutes) * 60_000
        let outcome = try await scenario.run(pool: pool, measureMemory: true)
        if let trace {
            try (outcome.trace.joined(separator: "\n") + "\n").write(toFile: trace, atomically: true, encoding: .utf8)
        }
        let r = outcome.report
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
            return
        }
        print("""
            accounts                 \(r.accounts) (\(r.hostileAccounts) hostile), seed \(r.seed)
            churn / loss             \(Int(r.churn * 100)) % of accounts offline once / \(Int(r.loss * 100)) % of datagrams lost
            trust requests           \(r.requestsDelivered)/\(r.requestsSent) delivered (\(String(format: "%.1f", r.deliveryRate * 100)) %)
            delivery time            p50 \(r.deliveryP50Ms) ms, p99 \(r.deliveryP99Ms) ms (simulated)
            confirmations            \(r.confirmationsSeen)/\(r.requestsAccepted) accepted requests confirmed at the sender
            presence accuracy        \(String(format: "%.1f", r.presenceAccuracy * 100)) % of \(r.presenceSamples) samples
            hostile requests shown   \(r.hostileRequestsShown) (valid requests from the attackers' real accounts)
            attacks that landed      \(r.hostileConnectionRequests) connection requests refused
            simulated / wall         \(String(format: "%.0f", r.simulatedSeconds)) s in \(String(format: "%.1f", r.wallSeconds)) s
            memory per account       \(r.bytesPerAccount / 1024) KiB
            datagrams                \(r.datagrams) delivered, \(r.datagramsLost) lost; \(r.jobs) jobs
            """)
    }
}
