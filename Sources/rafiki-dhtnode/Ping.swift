import ArgumentParser
import DHT
import DHTTransport

/// `ping`: check that a node answers.
struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ping a node and print its id and round-trip time.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The node to ping.", valueName: "HOST:PORT"))
    var address: String

    func validate() throws {
        guard PeerAddress(hostPort: address) != nil else { throw ValidationError("expected HOST:PORT with a numeric IP address") }
    }

    func run() async throws {
        let node = await NodeSession.start(global, defaultPort: 0).node
        let target = PeerAddress(hostPort: address)!  // safe: checked in validate()
        let start = ContinuousClock.now
        let answer = await node.ping(target)
        let rtt = ContinuousClock.now - start
        var l = JSONLine(event: "pong")
        l.add("ok", answer != nil)
        l.add("address", target.description)
        l.add("node_id", answer?.hex)
        if answer != nil {
            l.add("rtt_ms", .double(Double(rtt.components.attoseconds) / 1e15 + Double(rtt.components.seconds) * 1000))
        }
        l.emit()
        await node.shutdown()
        throw ExitCode(answer != nil ? ExitStatus.ok.rawValue : ExitStatus.failed.rawValue)
    }
}
