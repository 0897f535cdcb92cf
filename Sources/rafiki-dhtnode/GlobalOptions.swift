import ArgumentParser
import DHT

/// Options shared by every command, named as in the reference harness so scripts can swap the two.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Address to bind (IPv4 or IPv6 literal).")
    var bind = "127.0.0.1"

    @Option(help: "UDP port (serve: 4222 unless given; other commands: 0 = any free port).")
    var port: Int?

    @Option(name: .customLong("bootstrap"), help: ArgumentHelp("Node to join through; repeatable.", valueName: "HOST:PORT"))
    var bootstrap: [String] = []

    @Option(help: "OpenDHT network id (0 = the public network).")
    var network: UInt32 = 0

    @Option(help: "Seconds before the command gives up (exit code 4).")
    var timeout: Double = 30

    @Flag(help: "Disable request rate limits (for benchmarks).")
    var noRateLimit = false

    func validate() throws {
        for b in bootstrap where PeerAddress(hostPort: b) == nil {
            throw ValidationError("--bootstrap needs HOST:PORT with a numeric IP address, got '\(b)'")
        }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0...65535") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    var bootstrapAddresses: [PeerAddress] { bootstrap.compactMap { PeerAddress(hostPort: $0) } }
}

/// `--key` / `--hash`: which DHT key a command works on.
struct KeyOptions: ParsableArguments {
    @Option(help: "Text key; the DHT key is its SHA-1 (OpenDHT's InfoHash::get).")
    var key: String?

    @Option(help: "Raw 40-hex-digit InfoHash.")
    var hash: String?

    func validate() throws {
        guard (key == nil) != (hash == nil) else { throw ValidationError("give exactly one of --key or --hash") }
        if let hash, InfoHash(hex: hash) == nil { throw ValidationError("--hash needs 40 hex digits") }
    }

    var infoHash: InfoHash {
        if let hash, let h = InfoHash(hex: hash) { return h }
        return InfoHash.hashing(key: key ?? "")
    }
}
