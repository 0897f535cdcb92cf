import ArgumentParser
import Daemon
import DaemonWire
import DaemonAPI
import Foundation
import Logging
import ProcessTuning
import NIOCore
import ServiceLifecycle

/// `rafikid`: keeps this device's Jami accounts online and serves the local API.
@main
struct Rafikid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafikid",
        abstract: "Rafiki daemon: keeps your accounts online on the Jami network and serves the local API.",
        discussion: """
            Settings come from config.json in the home folder; options given here override it.

            Clients authenticate with the token in <home>/api-token; <home>/api.json says \
            where the API listens while the daemon runs.

            Stop with Ctrl-C or SIGTERM.
            """)

    @Option(help: "Home folder (default: $RAFIKI_HOME, else $XDG_DATA_HOME/rafiki).") var home: String?
    @Option(help: "API address (loopback by default).") var apiHost: String?
    @Option(help: "API port (0 picks a free one).") var apiPort: Int?
    @Option(help: "Serve the API on this Unix socket instead of TCP.") var apiSocket: String?
    @Option(name: .customLong("api-origin"), help: ArgumentHelp("Origin of a web client allowed to call the API; repeatable (replaces config.json's apiOrigins).", valueName: "SCHEME://HOST[:PORT]"))
    var apiOrigins: [String] = []
    @Option(name: .customLong("bootstrap"), help: ArgumentHelp("DHT bootstrap node; repeatable (replaces config.json's list).", valueName: "HOST:PORT"))
    var bootstrap: [String] = []
    @Option(help: "Address the DHT nodes bind.") var dhtHost: String?
    @Option(help: "Name server URL.") var nameServer: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @Option(help: ArgumentHelp("RSA key size for new keys.", visibility: .hidden)) var keyBits = 4096

    func run() async throws {
        ProcessTuning.apply()
        let home = DaemonHome(root: self.home.map { URL(fileURLWithPath: $0) })
        var logger = Logger(label: "rafikid")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        do {
            var config = try DaemonConfiguration.load(from: home.configFile)
            if let apiHost { config.apiHost = apiHost }
            if let apiPort { config.apiPort = apiPort }
            if let apiSocket { config.apiSocket = apiSocket }
            if !apiOrigins.isEmpty { config.apiOrigins = apiOrigins }
            if !bootstrap.isEmpty { config.bootstrap = bootstrap }
            if let dhtHost { config.dhtHost = dhtHost }
            if let nameServer { config.nameServer = nameServer }
            try config.validate()
            let token = try APIToken.loadOrCreate(at: home.tokenFile)
            let daemon = Daemon(home: home, configuration: config, logger: logger, keyBits: keyBits)
            let address: DaemonAPIServer.Address = config.apiSocket.map { .unixSocket($0) } ?? .tcp(host: config.apiHost, port: config.apiPort)
            let socket = config.apiSocket
            let settings = DaemonAPIServer.Settings(address: address, token: token, allowedOrigins: config.apiOrigins, endpointFile: home.endpointFile)
            let app = DaemonAPIServer.make(daemon: daemon, settings: settings, logger: logger) { channel in
                let endpoint = APIEndpointFile.endpoint(of: channel, socket: socket)
                // The line scripts wait for; written in one call so it is never split.
                FileHandle.standardOutput.write(Data("ready \(endpoint.url ?? endpoint.socket ?? "")\n".utf8))
            }
            let group = ServiceGroup(
                configuration: .init(services: [.init(service: DaemonService(daemon: daemon)), .init(service: app)],
                                     gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            try? FileManager.default.removeItem(at: home.endpointFile)
        } catch let e as DaemonError {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            throw ExitCode.failure
        }
    }
}
