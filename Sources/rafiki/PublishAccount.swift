import ArgumentParser
import DHT
import DHTTransport
import Foundation
import Identity
import NameService
import SecureDHT

/// `rafiki account publish`: put this device's certificate chain and the account's revocation
/// list on the DHT, where Jami peers look them up, and keep them there for a while. (The daemon
/// will do this continuously; this is the one-shot form, e.g. right after `revoke-device`.)
struct PublishAccount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish this device's certificate and the account's revocation list on the DHT.")
    @OptionGroup var options: StoreOptions
    @Option(name: .customLong("bootstrap"), help: ArgumentHelp("DHT node to join through; repeatable.", valueName: "HOST:PORT"))
    var bootstrap: [String] = []
    @Option(help: "Seconds to stay online re-announcing (values live 10 minutes, certificates 7 days, after the last announcement).")
    var duration: Double = 30
    @Option(help: "Local address to bind.") var bind = "0.0.0.0"

    func validate() throws {
        guard !bootstrap.isEmpty else { throw ValidationError("give at least one --bootstrap HOST:PORT") }
        for b in bootstrap where PeerAddress(hostPort: b) == nil { throw ValidationError("--bootstrap needs HOST:PORT with a numeric IP, got '\(b)'") }
        do { _ = try ServerHost(bind) } catch { throw ValidationError("--bind: \(error.reason)") }
        guard duration >= 0 else { throw ValidationError("--duration must not be negative") }
    }

    func run() async throws {
        try await reportingErrors {
            let store = options.store
            let id = try options.account()
            let info = try store.info(id)
            let device = try store.device(id)
            let archive = try store.archive(id, password: try Password.forAccount(info))
            var configuration = DHTNode.Configuration(bindHost: bind, port: 0)
            SecureDHTNode.enforcePolicies(on: &configuration.dht)
            let node = SecureDHTNode(node: try await DHTNode.start(configuration), identity: device)
            do {
                try await node.bootstrap(bootstrap.compactMap { PeerAddress(hostPort: $0) })
            } catch {
                await node.shutdown()
                throw CLIError("no DHT node answered at \(bootstrap.joined(separator: ", "))")
            }
            let certificate = try await node.publishCertificate()
            print("certificate of device \(device.shortID) stored on \(certificate) nodes")
            if let crl = archive.revocationList {
                let stored = try await node.publishRevocationList(crl, account: id)
                print("revocation list (\(crl.entries.count) revoked) stored on \(stored) nodes at \(id)")
            }
            if duration > 0 { try await Task.sleep(for: .seconds(duration)) }
            await node.shutdown()
        }
    }
}
