import Foundation
import Identity
import TestSupport
@testable import Swarm

/// Accounts for the swarm tests (RSA-2048, made once) and throw-away folders.
actor SwarmFixtures {
    static let shared = SwarmFixtures()
    private var made: [SwarmAuthor] = []

    /// Alice, Bob and Carol: three accounts of one device each.
    func people() async throws -> [SwarmAuthor] {
        if made.isEmpty {
            for name in ["Alice", "Bob", "Carol"] {
                made.append(try SwarmAuthor(device: try await AccountFactory.create(bits: 2048).device, displayName: name))
            }
        }
        return made
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swarm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `git` itself, as an independent reader of what we wrote. Spawned and waited for without
    /// blocking a thread of the shared pool (Foundation's `Process.waitUntilExit` would, and
    /// two of them starved the rest of the suite).
    static func git(_ repository: ConversationRepository, _ arguments: String...) async throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("swarm-git-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let child = try ChildProcess("/usr/bin/git", ["--git-dir", repository.git.path] + arguments, stdout: out)
        _ = await child.wait(.seconds(30))
        return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    }
}
