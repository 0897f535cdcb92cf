import ArgumentParser
import DHT
import Foundation
import Identity
import SecureDHT

/// `rafiki-identity-bench`: account creation and per-value crypto costs, ours beside the
/// reference peers' measured in the same run (jamid for accounts, OpenDHT's C library for
/// values). Needs root (jamid runs in its own network namespace) and `.ci/run`'s packages.
@main
struct RafikiIdentityBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafiki-identity-bench",
        abstract: "Benchmark account creation and value signing/encryption against jamid and OpenDHT.")

    @Option(help: "Accounts created by each side (the median is reported).") var accounts = 10
    @Option(help: "Repetitions of each per-value operation.") var rounds = 100
    @Flag(help: "Skip jamid (no root or no jami-daemon).") var noJamid = false
    @Flag(help: "Print each of our accounts' time, split into keys and disk.") var verbose = false

    func run() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-identity-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        print("account creation (3 RSA-4096 keys, chain, archive on disk), \(accounts) accounts each")
        let ours = try await AccountCreation.ours(count: accounts, in: scratch.appendingPathComponent("store"), verbose: verbose)
        let jamid = noJamid ? nil : try? Reference.jamidAccounts(count: accounts, workdir: scratch.appendingPathComponent("jamid"))
        Table.row("median (s)", ours.median, jamid?.median)
        Table.row("min (s)", ours.min() ?? 0, jamid?.min())
        Table.row("max (s)", ours.max() ?? 0, jamid?.max())
        if jamid == nil && !noJamid { print("  (jamid could not be run: see Scripts/interop/jamid_account_bench.py)") }

        print("\nper value, RSA-4096 (medians of \(rounds))")
        let costs = try ValueCosts(rounds: rounds)
        let reference = try? Reference.openDHTCrypto(costs, rounds: rounds, in: scratch)
        Table.row("sign (µs)", costs.sign, nil)
        Table.row("verify (µs)", costs.verify, reference?["verify_us"])
        Table.row("encrypt 1 KiB (µs)", costs.encrypt, reference?["encrypt_us"])
        Table.row("decrypt 1 KiB (µs)", costs.decrypt, reference?["decrypt_us"])
        print("  sign: OpenDHT's C API has no signing call; verify/encrypt/decrypt call libopendht-c2 via ctypes")
    }
}

/// Prints `name  ours  theirs  ratio` (ratio = ours / theirs; below 1 means we are faster).
enum Table {
    static func row(_ name: String, _ ours: Double, _ theirs: Double?) {
        let pad = name.padding(toLength: 22, withPad: " ", startingAt: 0)
        guard let theirs, theirs > 0 else { return print("  \(pad) rafiki \(format(ours))") }
        print("  \(pad) rafiki \(format(ours))   reference \(format(theirs))   ratio \(String(format: "%.2f", ours / theirs))")
    }

    static func format(_ x: Double) -> String { String(format: x >= 100 ? "%9.0f" : "%9.3f", x) }
}

extension Array where Element == Double {
    var median: Double {
        let s = sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
