import ArgumentParser
import DaemonClient
import DaemonWire
import Foundation

/// `rafiki peers …`: the account's peer-to-peer sockets.
struct PeersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers", abstract: "List, open and close peer-to-peer connections to devices (through the daemon).",
        subcommands: [ListPeers.self, ConnectPeer.self, DisconnectPeer.self, ProbeChannel.self], defaultSubcommand: ListPeers.self)

    static func print(_ peers: [API.Peer]) {
        for p in peers {
            var line = "\(p.device)  \(p.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))"
            line += "  \((p.direction ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0))"
            line += "  \((p.pair ?? "-").padding(toLength: 5, withPad: " ", startingAt: 0))"
            if let i = p.bytesIn, let o = p.bytesOut { line += "  in \(formatBytes(i)) out \(formatBytes(o))" }
            if let c = p.channels, !c.isEmpty { line += "  channels: " + c.joined(separator: ", ") }
            if let d = p.declined, !d.isEmpty { line += "  declined: " + d.joined(separator: ", ") }
            if let a = p.account { line += "  account \(a)" }
            if let r = p.reason, p.state != .connected { line += "  (\(r))" }
            Swift.print(line)
        }
    }

    static func formatBytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return "\(n >> 10) KiB" }
        if n < 1 << 30 { return "\(n >> 20) MiB" }
        return String(format: "%.1f GiB", Double(n) / Double(1 << 30))
    }
}

struct ListPeers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Connected devices and recent attempts: state, direction, pair type (host, srflx, relay), bytes, channels.")
    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let peers = try await client.call(.peers, account: account, as: API.PeerList.self).peers
            if options.json { return printJSON(peers) }
            if peers.isEmpty { return Swift.print("no peer connection yet: open one with `rafiki peers connect ID|USERNAME`") }
            PeersCommand.print(peers)
        }
    }
}

struct ConnectPeer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect", abstract: "Open a connection to every device of an account (id or username), or to one device (its id).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "An account id, jami: URI, username, user@nameserver or device id.") var peer: String

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let peers = try await client.call(.connectPeer, account: account, body: API.ConnectPeer(peer: peer), as: API.PeerList.self).peers
            if options.json { return printJSON(peers) }
            PeersCommand.print(peers)
        }
    }
}

struct DisconnectPeer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disconnect", abstract: "Close the connection to a device.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The device id (see `rafiki peers`).") var device: String

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            _ = try await client.call(.disconnectPeer, account: account, peer: device.lowercased())
            if options.json { printJSON(["device": device.lowercased(), "done": "true"]) } else { Swift.print("\(device.lowercased()) disconnected") }
        }
    }
}

struct ProbeChannel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Ask a device for a channel by name and close it again: whether it serves that name (sip, git://…, sync://…).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The device id (see `rafiki peers`).") var device: String
    @Argument(help: "The channel name.") var name: String

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let probe = try await client.call(.probeChannel, account: account, peer: device.lowercased(), body: API.ProbeChannel(name: name), as: API.ChannelProbe.self)
            if options.json { return printJSON(probe) }
            Swift.print(probe.accepted ? "\(name): accepted" : "\(name): not accepted (\(probe.detail ?? "declined"))")
        }
    }
}
