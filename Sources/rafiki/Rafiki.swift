import ArgumentParser

/// `rafiki`: the user-facing command line.
@main
struct Rafiki: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafiki",
        abstract: "Rafiki: Jami-compatible private messaging.",
        subcommands: [DaemonCommand.self, AccountCommand.self, ContactCommand.self, ConversationCommand.self, MessageCommand.self, FileCommand.self, ProfileCommand.self, PeersCommand.self, PresenceCommand.self, EventsCommand.self, NameCommand.self])
}

/// `rafiki account …`
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Create, inspect, export and import Jami accounts; add and revoke devices.",
        subcommands: [CreateAccount.self, ListAccounts.self, ShowAccount.self, ExportAccount.self, ImportAccount.self,
                      AuthorizeDevice.self, LinkDevice.self, AddDevice.self, RevokeDevice.self, PublishAccount.self])
}
