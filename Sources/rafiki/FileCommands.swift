import ArgumentParser
import DaemonClient
import DaemonWire
import Foundation

/// `rafiki file …`
struct FileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file", abstract: "Send, list, download and cancel files in conversations.",
        subcommands: [SendFile.self, ListFiles.self, GetFile.self, CancelFile.self])
}

struct SendFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Offer a file in a conversation.",
        discussion: "The daemon copies the file (hashing it) into its own folder, so later changes of the original change nothing that was sent.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The file to send.") var path: String
    @Option(help: "The name members see (the file's own name by default).") var name: String?

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let f = try await client.call(.sendFile, account: account, conversation: id, body: API.SendFile(path: absolute, name: name), as: API.FileTransfer.self)
            if options.json { return printJSON(f) }
            print("sent \(f.name) (\(ProgressBar.size(f.size))) as \(f.id)")
        }
    }
}

struct ListFiles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the files offered in a conversation, oldest first.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let list = try await client.call(.files, account: account, conversation: id, as: API.FileList.self)
            if options.json { return printJSON(list) }
            if list.files.isEmpty { print("no files in \(id.prefix(12))") }
            for f in list.files { print(FileFormat.line(f)) }
        }
    }
}

struct GetFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Download a file (resuming what arrived before) and wait for it.",
        discussion: "The file is checked (SHA3-512) before it counts as complete. Progress goes to standard error.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The file id or its message id (or a unique prefix of either).") var file: String
    @Option(help: "Copy the complete file here.") var out: String?
    @Flag(help: "Start the download and return without waiting.") var noWait = false

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let message = try await FileFormat.message(of: file, client: client, account: account, conversation: id)
            var f = try await client.call(.downloadFile, account: account, conversation: id, message: message, as: API.FileTransfer.self)
            if !noWait {
                var bar = ProgressBar(total: f.size, label: f.name)
                while [.waiting, .ongoing].contains(f.state) {
                    if !options.json { bar.update(f.bytes) }
                    try await Task.sleep(for: .milliseconds(250))
                    f = try await client.call(.file, account: account, conversation: id, message: message, as: API.FileTransfer.self)
                }
                if !options.json {
                    if f.state == .complete { bar.update(f.bytes) }
                    bar.finish()
                }
            }
            if let out, f.state == .complete, let path = f.path {
                let target = URL(fileURLWithPath: out)
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.copyItem(at: URL(fileURLWithPath: path), to: target)
            }
            if options.json { return printJSON(f) }
            switch f.state {
            case .complete: print("complete: \(out ?? f.path ?? f.id)")
            case .failed: throw CLIError("the download failed: \(f.reason ?? "no reason given") (run the command again to retry)")
            case .cancelled: throw CLIError("the download was cancelled")
            default: print("\(f.state.rawValue): \(ProgressBar.size(f.bytes)) of \(ProgressBar.size(f.size)) (`rafiki file list \(id.prefix(12))` shows how it goes)")
            }
        }
    }
}

struct CancelFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Stop a download and delete what arrived of it.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Argument(help: "The file id or its message id (or a unique prefix of either).") var file: String

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            let message = try await FileFormat.message(of: file, client: client, account: account, conversation: id)
            _ = try await client.call(.cancelFile, account: account, conversation: id, message: message)
            if options.json { return printJSON(["message": message, "state": API.FileState.cancelled.rawValue]) }
            print("cancelled")
        }
    }
}

enum FileFormat {
    /// `<file id>  <state>  <bytes>/<size>  <name>`
    static func line(_ f: API.FileTransfer) -> String {
        let progress = f.state == .complete ? ProgressBar.size(f.size) : "\(ProgressBar.size(f.bytes)) of \(ProgressBar.size(f.size))"
        var line = "\(f.id)  \(f.state.rawValue)  \(progress)  \(f.name)  from \(f.author.prefix(12))"
        if let reason = f.reason { line += "  (\(reason))" }
        return line
    }

    /// The message id of the file `text` names: a file id, a message id, or a unique prefix of one.
    static func message(of text: String, client: DaemonClient, account: String, conversation: String) async throws -> String {
        let t = text.lowercased()
        let files = try await client.call(.files, account: account, conversation: conversation, as: API.FileList.self).files
        let matches = files.filter { $0.id.lowercased().hasPrefix(t) || $0.message.hasPrefix(t) }
        guard !t.isEmpty, let first = matches.first else { throw CLIError("no file '\(text)' in \(conversation.prefix(12)) (see `rafiki file list \(conversation.prefix(12))`)") }
        guard matches.count == 1 else { throw CLIError("'\(text)' names \(matches.count) files; give more of the id") }
        return first.message
    }
}
