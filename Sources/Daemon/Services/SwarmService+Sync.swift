import AccountSync
import DaemonWire
import Identity
import Swarm

/// What own-device sync needs from the conversations.
extension SwarmService {
    /// Every conversation on this device, those left (and not erased yet) included.
    func syncedConversations() -> [ObjectID] { allConversations() }

    /// A conversation as jamid's `ConvInfo` describes it to our other devices.
    func syncInfo(_ conversation: ObjectID) -> ConversationInfo {
        let created = (try? repository(conversation).git.commit(conversation).time) ?? 0
        let read = (try? context.database.positions(in: conversation.hex, .read))?[context.account.hex] ?? ""
        return ConversationInfo(id: conversation.hex, created: created, removed: leftAt(conversation) ?? 0,
                                members: memberAccounts(conversation).map(\.hex), lastDisplayed: read)
    }

    /// Marks `commit` read by `member`, now when it is indexed, else once it is (it may come
    /// with the next fetch). Only for a conversation held here.
    func markReadWhenKnown(_ commit: ObjectID, by member: PublicKeyID, in conversation: ObjectID) {
        guard holds(conversation) else { return }
        do throws(DaemonError) {
            _ = try markRead(commit, by: member, in: conversation)
        } catch {
            if error.code == .noSuchMessage { pendingReads[conversation, default: [:]][member] = commit }
        }
    }

    /// After an update of the index: the pending reads whose commits arrived.
    func applyPendingReads(_ conversation: ObjectID) {
        guard let pending = pendingReads.removeValue(forKey: conversation) else { return }
        for (member, commit) in pending {
            do throws(DaemonError) { _ = try markRead(commit, by: member, in: conversation) } catch {
                if error.code == .noSuchMessage { pendingReads[conversation, default: [:]][member] = commit }
            }
        }
    }

    /// Another device of the account left it: hidden here too (the removal commit arrives
    /// with the next fetch).
    func leftOnAnotherDevice(_ conversation: ObjectID) {
        guard has(conversation), leftAt(conversation) == nil else { return }
        markLeft(conversation)
        context.emit(.conversationChanged) { $0.conversationId = conversation.hex; $0.state = "left" }
    }
}
