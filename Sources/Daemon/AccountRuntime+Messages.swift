import Contacts
import DaemonWire
import Foundation
import Identity
import Swarm

// Writing in conversations: every commit is followed by a notification to the member devices,
// which fetch it from us.
extension AccountRuntime {
    /// Commits a text message (a reply when `replyTo` is given) and notifies every member device
    /// (our own other devices included), which then fetch it from us.
    public func sendMessage(_ body: String, in conversation: ObjectID, replyTo: ObjectID? = nil) async throws(DaemonError) -> ObjectID {
        guard !body.isEmpty else { throw .invalid("an empty message") }
        let swarm = try swarm()
        if let replyTo { _ = try await swarm.message(replyTo, in: conversation) }
        return await committed(try await swarm.commit(.text(body, replyTo: replyTo), in: conversation), in: conversation)
    }

    /// Replaces the text of one of our messages; an empty `body` deletes it.
    public func editMessage(_ target: ObjectID, body: String, in conversation: ObjectID) async throws(DaemonError) -> ObjectID {
        let swarm = try swarm()
        let m = try await swarm.message(target, in: conversation)
        guard m.author == id.hex, m.type == CommitMessage.Kind.text else { throw DaemonError(.notAllowed, "only our own text messages can be edited or deleted") }
        guard !m.deleted else { throw DaemonError(.notAllowed, "the message was deleted") }
        return await committed(try await swarm.commit(.edit(target, body: body), in: conversation), in: conversation)
    }

    public func react(_ emoji: String, to target: ObjectID, in conversation: ObjectID) async throws(DaemonError) -> ObjectID {
        guard !emoji.isEmpty, emoji.unicodeScalars.count <= 32 else { throw .invalid("a reaction is one emoji") }
        let swarm = try swarm()
        _ = try await swarm.message(target, in: conversation)
        return await committed(try await swarm.commit(.reaction(emoji, to: target), in: conversation), in: conversation)
    }

    /// A group (or a 1:1 with `members` the other account) with `members` invited.
    public func createConversation(mode: ConversationMode, members: [PublicKeyID]) async throws(DaemonError) -> ObjectID {
        let swarm = try swarm()
        if mode == .oneToOne {
            guard members.count == 1, members[0] != id else { throw .invalid("a 1:1 conversation is with one other account") }
            return try await swarm.create(mode: .oneToOne, invited: members[0])
        }
        let conversation = try await swarm.create(mode: mode)
        for member in members where member != id { try await invite(member, to: conversation) }
        return conversation
    }

    /// Invites `account`: the `add` commit, then the invitation (`application/invite+json`) to
    /// its devices and the commit notification to the members'.
    public func invite(_ account: PublicKeyID, to conversation: ObjectID) async throws(DaemonError) {
        let swarm = try swarm()
        _ = await committed(try await swarm.invite(account, to: conversation), in: conversation)
        context.scheduler.spawn { [weak self] in await self?.sendInvitation(conversation, to: account) }
    }

    public func removeMember(_ account: PublicKeyID, from conversation: ObjectID) async throws(DaemonError) {
        let swarm = try swarm()
        _ = await committed(try await swarm.remove(account, from: conversation), in: conversation)
    }

    public func banMember(_ account: PublicKeyID, from conversation: ObjectID) async throws(DaemonError) {
        let swarm = try swarm()
        _ = await committed(try await swarm.ban(account, in: conversation), in: conversation)
    }

    public func unbanMember(_ account: PublicKeyID, from conversation: ObjectID) async throws(DaemonError) {
        let swarm = try swarm()
        _ = await committed(try await swarm.unban(account, in: conversation), in: conversation)
    }

    /// Leaves: our removal committed and announced; the conversation disappears from this device.
    public func leave(_ conversation: ObjectID) async throws(DaemonError) {
        let swarm = try swarm()
        let members = await swarm.memberAccounts(conversation)
        let commit = try await swarm.remove(id, from: conversation)
        await notify(commit, in: conversation, accounts: members)
    }

    /// Marks `message` and everything before it read, and tells the members (IMDN
    /// `displayed`), as jamid does when read receipts are on.
    public func markRead(_ message: ObjectID, in conversation: ObjectID) async throws(DaemonError) {
        let swarm = try swarm()
        _ = try await swarm.message(message, in: conversation)
        guard try await swarm.markRead(message, by: id, in: conversation) else { return }
        if let sync = online?.sync { await sync.changed() }
        await deliver(ImMessage(id: context.scheduler.randomID(), body: ImPayload.displayed(message.hex, in: conversation.hex),
                                datatype: ImPayload.imdn, date: context.scheduler.unixSeconds),
                      to: await swarm.memberAccounts(conversation))
    }

    /// Tells the members we are typing (or stopped).
    public func setTyping(_ active: Bool, in conversation: ObjectID) async throws(DaemonError) {
        let swarm = try swarm()
        _ = try await swarm.view(conversation)
        await deliver(ImMessage(id: context.scheduler.randomID(), body: ImPayload.composing(active, in: conversation.hex),
                                datatype: ImPayload.composing, date: context.scheduler.unixSeconds),
                      to: await swarm.memberAccounts(conversation))
    }

    /// After a local commit: the members are notified in the background (the devices we have
    /// a socket to within a millisecond, the others after a DHT lookup), and the commit returned.
    func committed(_ commit: ObjectID, in conversation: ObjectID) async -> ObjectID {
        guard let swarm = try? swarm() else { return commit }
        let members = await swarm.memberAccounts(conversation)
        context.scheduler.spawn { [weak self] in await self?.notify(commit, in: conversation, accounts: members) }
        return commit
    }
}
