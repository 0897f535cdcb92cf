import DaemonWire
import Foundation
import Testing

/// The built `rafiki` against a running daemon: an API error's code becomes the daemon's message
/// and what to do next (rafiki's ErrorMessages.swift), exit status 1.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct CLIErrorMessageTests {
    @Test func theCLISaysWhatToDoForEachCode() async throws {
        try await withTestNetwork { network in
            let d = TestDaemon(network: network)
            try await d.start()
            _ = try await d.createAccount("Me")
            // What rafikid writes once it listens; the test's own pid stands for the daemon's.
            let endpoint = APIEndpoint(url: d.client.baseURL, socket: nil, pid: ProcessInfo.processInfo.processIdentifier)
            try JSONEncoder().encode(endpoint).write(to: d.home.endpointFile)
            let stranger = String(repeating: "d", count: 40)
            let cases: [([String], String)] = [
                (["contact", "remove", stranger], "\(stranger) is not a contact (see `rafiki contact list --all`)"),
                (["contact", "accept", stranger], "no pending request from \(stranger) (see `rafiki contact requests`)"),
                (["contact", "add", "someone"], "name server: name server unreachable (check the network and the daemon's nameServer setting)"),
                (["presence", "--account", stranger], "no account \(stranger) (see `rafiki account list`)"),
            ]
            for (arguments, message) in cases {
                let r = try await CLIHostileInputTests.run("rafiki", arguments + ["--home", d.home.root.path])
                #expect(!r.signaled && r.status == 1 && r.output.contains("error: " + message), "\(arguments.joined(separator: " ")): \(r)")
            }
        }
    }
}
