import DaemonWire
import Foundation
import StackSimulation
import Testing

/// Identities shared by this process's tests, kept between runs in the temporary folder (three
/// RSA-2048 keys an account).
enum TestPool {
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-sim-test-identities")
    private static let shared = Task { try await IdentityPool.load(count: 24, folder: folder) }

    static func get() async throws -> IdentityPool { try await shared.value }
}

/// The simulation suites, run one at a time: each world is one busy thread, and several at once
/// on a small machine starve the loopback tests that run beside them (their deadlines are real).
@Suite(.serialized) enum StackSimulationSuite {}
