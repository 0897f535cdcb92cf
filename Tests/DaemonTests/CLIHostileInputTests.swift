import Foundation
import TestSupport
import Testing

/// The built `rafiki` and `rafikid` run with hostile hosts, ports and URLs (issue 13, finding 7):
/// each exits with a usage or validation error naming the problem, never on a signal.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct CLIHostileInputTests {
    /// The executables SwiftPM built beside this test bundle.
    static var products: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            .deletingLastPathComponent()
    }

    struct Outcome: CustomStringConvertible {
        var signaled: Bool
        var status: Int32
        var output: String
        var description: String { "\(signaled ? "signal" : "exit") \(status): \(output.suffix(400))" }
    }

    /// Runs a product for at most 60 s (killed after that: generous, each should take well under
    /// a second, but CI is two loaded cores), with its stdout and stderr.
    static func run(_ product: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Outcome {
        let path = products.appendingPathComponent(product).path
        try #require(FileManager.default.isExecutableFile(atPath: path), "build \(product) first")
        return try await onOwnThread {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = arguments
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let deadline = DispatchTime.now() + .seconds(60)
            DispatchQueue.global().asyncAfter(deadline: deadline) { if p.isRunning { p.terminate() } }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return Outcome(signaled: p.terminationReason == .uncaughtSignal, status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
        }
    }

    @Test func rafikiRefusesHostileServersAndPeers() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let usage: [[String]] = [
            ["name", "lookup", "alice", "--server", "http://[::1]:65536"], ["name", "lookup", "alice", "--server", "http://[::1]:0"],
            ["name", "lookup", "alice", "--server", "http://user:pw@127.0.0.1:1"], ["name", "lookup", "alice", "--server", "ftp://127.0.0.1"],
            ["name", "lookup", "alice", "--server", "http://bücher.de"], ["name", "lookup", "alice", "--server", "http://" + String(repeating: "a", count: 300)],
            ["name", "reverse", String(repeating: "a", count: 40), "--server", "http://127.1:8080"],
            ["contact", "add", "alice@[::1]:99999", "--home", home.path], ["contact", "add", "alice@user:pw@host", "--home", home.path],
            ["contact", "add", "alice@" + String(repeating: "a", count: 300), "--home", home.path],
        ]
        for arguments in usage {
            let r = try await Self.run("rafiki", arguments)
            #expect(!r.signaled && r.status == 64, "\(arguments.joined(separator: " ").prefix(100)): \(r)")
            #expect(r.output.contains("Error:") && r.output.count < 4000, "\(r)")
        }
        let r = try await Self.run("rafiki", ["name", "lookup", "alice@[::1]:99999"])
        #expect(!r.signaled && r.status == 1 && r.output.contains("out of range"), "\(r)")
        let env = try await Self.run("rafiki", ["name", "lookup", "alice"], environment: ["RAFIKI_NAME_SERVER": "http://[::1]:99999"])
        #expect(!env.signaled && env.status == 1 && env.output.contains("RAFIKI_NAME_SERVER"), "\(env)")
    }

    /// `api.json` is read from disk, so it is input too: a bad port in it used to trap in the
    /// socket layer on the first request.
    @Test func rafikiRefusesAnEndpointFileWithABadAddress() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-endpoint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try Data("token".utf8).write(to: home.appendingPathComponent("api-token"))
        // This test's own pid, so the file looks like that of a running daemon.
        let pid = ProcessInfo.processInfo.processIdentifier
        for url in ["http://127.0.0.1:99999", "http://[::1]:65536", "http://user@127.0.0.1:1", "https://127.0.0.1:1", "ftp://127.0.0.1:1", ""] {
            try Data(#"{"url":"\#(url)","pid":\#(pid)}"#.utf8).write(to: home.appendingPathComponent("api.json"))
            let r = try await Self.run("rafiki", ["contact", "list", "--home", home.path])
            #expect(!r.signaled && r.status == 1 && r.output.contains("api.json names an unusable address"), "\(url): \(r)")
        }
    }

    @Test func rafikiNameLookupSurvivesHostileRedirects() async throws {
        let server = try await HostileNameServer.start()
        for name in ["port", "port65536", "loop", "pingpong", "chain", "userinfo", "idn", "hugehost", "ftp", "shortv4", "zone"] {
            let r = try await Self.run("rafiki", ["name", "lookup", name, "--server", server.url])
            #expect(!r.signaled && r.status == 1 && r.output.contains("redirect"), "\(name): \(r)")
        }
        let found = try await Self.run("rafiki", ["name", "lookup", "samehost", "--server", server.url])
        #expect(!found.signaled && found.status == 0 && found.output.contains(HostileNameServer.address), "\(found)")
        await server.stop()
    }

    @Test func rafikidRefusesAHostileConfiguration() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("rafikid-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let bad: [[String]] = [
            ["--name-server", "http://[::1]:99999"], ["--api-port", "99999"], ["--api-port=-1"], ["--bootstrap", "[::1]:99999"],
            ["--bootstrap", "host"], ["--dht-host", "bücher.de"], ["--name-server", "http://u:p@ns.example.org"],
        ]
        for arguments in bad {
            let r = try await Self.run("rafikid", ["--home", home.path, "--api-port", "0"] + arguments)
            #expect(!r.signaled && r.status == 1 && r.output.contains("error:"), "\(arguments.joined(separator: " ")): \(r)")
        }
        // config.json is checked the same way.
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try Data(#"{"dhtPort": 70000}"#.utf8).write(to: home.appendingPathComponent("config.json"))
        let r = try await Self.run("rafikid", ["--home", home.path])
        #expect(!r.signaled && r.status == 1 && r.output.contains("dhtPort"), "\(r)")
    }
}
