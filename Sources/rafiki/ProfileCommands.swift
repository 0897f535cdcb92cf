import ArgumentParser
import DaemonClient
import DaemonWire
import Foundation

/// `rafiki profile …`
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Show or set your profile (display name, avatar), or show a contact's.",
        subcommands: [SetProfile.self, ShowProfile.self])
}

struct SetProfile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set your display name and avatar.",
        discussion: "Your devices and the members of your conversations receive it as they connect.")
    @OptionGroup var options: DaemonOptions
    @Option(help: "Your display name.") var name: String
    @Option(help: "A JPEG or PNG picture (keep it small: the whole profile must fit in 60,000 bytes).") var avatar: String?

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            var body = API.Profile(displayName: name)
            if let avatar {
                let url = URL(fileURLWithPath: avatar)
                guard let data = FileManager.default.contents(atPath: url.path) else { throw CLIError("cannot read \(avatar)") }
                body.avatar = data.base64EncodedString()
                body.avatarType = data.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? "PNG" : "JPEG"
            }
            let p = try await client.call(.profile, account: account, body: body, as: API.Profile.self)
            if options.json { return printJSON(p) }
            print("profile set: \(p.displayName)\(p.avatar == nil ? "" : " (with an avatar)")")
        }
    }
}

struct ShowProfile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show your profile, or a contact's as their devices sent it.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "A contact's 40-hex id (yours when left out).") var contact: String?
    @Option(help: "Write the avatar to this file.") var avatarOut: String?

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let p = if let contact {
                try await client.call(.contactProfile, account: account, peer: contact.lowercased(), as: API.Profile.self)
            } else {
                try await client.call(.ownProfile, account: account, as: API.Profile.self)
            }
            if let avatarOut, let avatar = p.avatar, let data = Data(base64Encoded: avatar) {
                try data.write(to: URL(fileURLWithPath: avatarOut))
            }
            if options.json { return printJSON(p) }
            print(p.displayName.isEmpty ? "(no display name)" : p.displayName)
            if let avatar = p.avatar { print("avatar: \(p.avatarType ?? "image"), \(Data(base64Encoded: avatar)?.count ?? 0) bytes") }
        }
    }
}

struct ConversationProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Show a conversation's title, description and avatar, or change them (admins).",
        discussion: "With no option it shows them; an empty value removes one.")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The conversation id (or a unique prefix).") var conversation: String
    @Option(help: "The title.") var title: String?
    @Option(help: "The description.") var description: String?
    @Option(help: "A JPEG or PNG picture.") var avatar: String?

    func run() async throws {
        try await reportingErrors {
            let (client, account, id) = try await options.conversationContext(conversation)
            var p: API.ConversationProfile
            if title == nil, description == nil, avatar == nil {
                p = try await client.call(.conversationProfile, account: account, conversation: id, as: API.ConversationProfile.self)
            } else {
                var change = API.ConversationProfile(title: title, description: description)
                if let avatar {
                    guard let data = FileManager.default.contents(atPath: avatar) else { throw CLIError("cannot read \(avatar)") }
                    change.avatar = data.base64EncodedString()
                }
                p = try await client.call(.updateConversationProfile, account: account, conversation: id, body: change, as: API.ConversationProfile.self)
            }
            if options.json { return printJSON(p) }
            print("title: \(p.title ?? "-")\ndescription: \(p.description ?? "-")\navatar: \(p.avatar.map { "\(Data(base64Encoded: $0)?.count ?? 0) bytes" } ?? "-")")
        }
    }
}
