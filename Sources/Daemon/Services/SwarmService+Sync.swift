import AccountSync
import DaemonWire
import Swarm

/// What own-device sync needs from the conversations.
extension SwarmService {
    /// A conversation as jamid's `ConvInfo` describes it to our other devices.
    func syncInfo(_ conversation: ObjectID) -> ConversationInfo {
        let created = (try? repository(conversation).git.commit(conversation).time) ?? 0
        let read = (try? context.database.positions(in: conversation.hex, .read))?[context.account.hex] ?? ""
        return ConversationInfo(id: conversation.hex, created: created, removed: leftAt(conversation) ?? 0,
                                members: memberAccounts(conversation).map(\.hex), lastDisplayed: read)
    }

    /// Another device of the account left it: hidden here too (the removal commit arrives
    /// with the next fetch).
    func leftOnAnotherDevice(_ conversation: ObjectID) {
        guard has(conversation), leftAt(conversation) == nil else { return }
        markLeft(conversation)
        context.emit(.conversationChanged) { $0.conversationId = conversation.hex; $0.state = "left" }
    }
}
