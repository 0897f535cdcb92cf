@preconcurrency import Glibc
import ArgumentParser

/// `rafiki-dhtnode`: run or query an OpenDHT-compatible node from the command line.
@main
struct RafikiDHTNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafiki-dhtnode",
        abstract: "Run or query an OpenDHT-compatible DHT node.",
        discussion: """
            Every command prints JSON lines on standard output (a `ready` line first) and stops by
            itself. Exit codes: 0 ok, 1 operation failed, 2 usage error, 3 fewer values than \
            --expect, 4 timeout.

            Examples:
              rafiki-dhtnode serve                                   # bootstrap node on 127.0.0.1:4222
              rafiki-dhtnode --bootstrap 127.0.0.1:4222 put --key demo --data hello
              rafiki-dhtnode --bootstrap 127.0.0.1:4222 get --key demo --expect 1
              rafiki-dhtnode --bootstrap 127.0.0.1:4222 listen --key demo --duration 20
              rafiki-dhtnode ping 127.0.0.1:4222
              rafiki-dhtnode gen-identity --out ./id1
              rafiki-dhtnode --bootstrap 127.0.0.1:4222 put-signed --key demo --data hi --identity-dir ./id1
              rafiki-dhtnode --bootstrap 127.0.0.1:4222 put-encrypted --key demo --to PKID --data secret --identity-dir ./id1
              rafiki-dhtnode --bootstrap 127.0.0.1:4222 listen --key demo --identity-dir ./id2
            """,
        subcommands: [Serve.self, Put.self, PutSigned.self, PutEncrypted.self, Get.self, Listen.self, Ping.self, GenIdentity.self]
    )

    /// The harness takes global options before the command (`--port 1 get ...`); ArgumentParser
    /// wants a subcommand's options after its name, so move the command name to the front.
    static func subcommandFirst(_ args: [String]) -> [String] {
        let names = Set(configuration.subcommands.map { $0._commandName })
        guard let i = args.firstIndex(where: { names.contains($0) }), i > 0 else { return args }
        return [args[i]] + args[..<i] + args[(i + 1)...]
    }

    /// Maps argument errors to exit code 2, as the harness does, instead of the usual 64.
    static func main() async {
        setvbuf(stdout, nil, _IOLBF, 0)
        do {
            var command = try parseAsRoot(Self.subcommandFirst(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                fputs(fullMessage(for: error) + "\n", stderr)
                Glibc.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}
