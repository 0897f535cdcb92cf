@preconcurrency import Glibc
import ArgumentParser
import DaemonClient
import DaemonWire
import Foundation
import Synchronization

/// `rafiki daemon`: runs `rafikid` (installed beside `rafiki`) in the foreground.
struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon", abstract: "Start the daemon in the foreground (same options as rafikid; Ctrl-C stops it).")
    @Argument(parsing: .allUnrecognized, help: "Options passed to rafikid (see `rafikid --help`).") var arguments: [String] = []

    func run() throws {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let rafikid = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("rafikid").path
        guard FileManager.default.isExecutableFile(atPath: rafikid) else { throw CLIError("rafikid not found beside rafiki (\(rafikid))") }
        let argv = ([rafikid] + arguments).map { strdup($0) } + [nil]
        execv(rafikid, argv)
        throw CLIError("cannot start \(rafikid): \(String(cString: strerror(errno)))")
    }
}

/// `rafiki presence`: who among the contacts is online.
struct PresenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "presence", abstract: "Show which contacts are online.")
    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let presence = try await client.call(.presence, account: account, as: API.PresenceList.self).presence
            if options.json { return printJSON(presence) }
            if presence.isEmpty { return print("no presence seen yet") }
            for p in presence { print("\(p.id)  \(p.online ? "online " : "offline")  since \(formatTime(p.changed))") }
        }
    }
}

/// `rafiki events`: the live event stream, one line per event.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print the daemon's events as they happen (Ctrl-C stops).")
    @OptionGroup var options: DaemonOptions
    @Option(help: "Stop after this many events.") var count: Int?

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let json = options.json
            let seen = Counter(limit: count)
            try await client.events(account: options.accountID?.lowercased()) { event, text in
                if json {
                    // The daemon's own JSON, one object per line: a raw newline in JSON can only be
                    // whitespace (in strings it is escaped), so a space is equivalent.
                    print(text.contains("\n") ? text.replacingOccurrences(of: "\n", with: " ") : text)
                } else {
                    print(Self.describe(event))
                }
                fflush(stdout)
                return seen.next()
            }
        }
    }

    static func describe(_ e: DaemonEvent) -> String {
        let who = e.peer ?? ""
        let name = e.displayName.map { " (\($0))" } ?? ""
        let what = switch e.type {
        case .registration: "account \(e.account.prefix(8)): \(e.state ?? "")\(e.detail.map { " – \($0)" } ?? "")"
        case .presence: "\(who) is \(e.online == true ? "online" : "offline")"
        case .requestReceived: "contact request from \(who)\(name)"
        case .requestSent: "request delivered to a device of \(who)"
        case .contactAdded: "\(who) added\(e.confirmed == true ? " (confirmed)" : "")"
        case .contactConfirmed: "\(who) accepted"
        case .contactRemoved: "\(who) \(e.banned == true ? "banned" : "removed")"
        case .profileReceived: "profile of \(who)\(name)"
        case .deviceFound: "new device of this account: \(e.device ?? "")"
        case .connectionRefused: "connection request from device \(e.device ?? "") not answered (\(e.detail ?? ""))"
        case .connectionState: "device \(e.device ?? "") \(e.state ?? "")\(e.detail.map { " – \($0)" } ?? "")"
        case .storageFailed: "account \(e.account.prefix(8)): could not store \(e.detail ?? "a change") (see the daemon's log)"
        case .messageReceived: "\(conv(e)) \(e.message.map(MessageFormat.line) ?? "")"
        case .messageUpdated: "\(conv(e)) changed: \(e.message.map(MessageFormat.line) ?? "")"
        case .messageStatus: "\(conv(e)) \(e.message?.id.prefix(8) ?? "") \(e.message?.status.rawValue ?? "") (\(who.prefix(8)))"
        case .memberChanged: "\(conv(e)) member \(who): \(e.state ?? "")"
        case .typing: "\(conv(e)) \(who.prefix(8)) is \(e.state == "active" ? "typing" : "not typing")"
        case .conversationChanged: "\(conv(e)) \(e.state ?? "")"
        case .conversationRequest: "\(conv(e)) invitation from \(who)\(name)"
        case .transferState: "\(conv(e)) file \(e.fileId ?? ""): \(e.state ?? "")\(e.detail.map { " – \($0)" } ?? "")"
        case .transferProgress: "\(conv(e)) file \(e.fileId ?? ""): \(e.bytes ?? 0) of \(e.total ?? 0) bytes"
        }
        return "\(formatTime(e.time / 1000))  \(what)"
    }

    static func conv(_ e: DaemonEvent) -> String { "[\(e.conversationId?.prefix(8) ?? "")]" }
}

/// Counts events for `--count`; thread-safe since the handler may run anywhere.
final class Counter: Sendable {
    let limit: Int?
    private let seen = Mutex(0)
    init(limit: Int?) { self.limit = limit }
    func next() -> Bool {
        guard let limit else { return true }
        return seen.withLock { $0 += 1; return $0 < limit }
    }
}
