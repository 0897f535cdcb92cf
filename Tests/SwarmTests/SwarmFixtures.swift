import Foundation
import Identity
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

    /// `git` itself, as an independent reader of what we wrote.
    static func git(_ repository: ConversationRepository, _ arguments: String...) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = ["--git-dir", repository.git.path] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
