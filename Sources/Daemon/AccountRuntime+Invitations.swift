import Contacts
import DaemonWire
import Foundation
import Identity
import Swarm

// Group invitations (jami-protocol §5.8): sent after the `add` commit, stored when received,
// accepted by cloning from the inviter's device and joining.
extension AccountRuntime {
    /// `application/invite+json` to every device of `account`, with the conversation's mode
    /// and title as metadata.
    func sendInvitation(_ conversation: ObjectID, to account: PublicKeyID) async {
        guard let swarm = try? swarm(), let view = try? await swarm.view(conversation) else { return }
        var metadata = ["mode": String(Self.modeNumber(view.mode))]
        if let title = view.title { metadata["title"] = title }
        let message = ImMessage(id: context.scheduler.randomID(), body: ImPayload.invitation(conversation.hex, metadata: metadata),
                                datatype: ImPayload.invitation, date: context.scheduler.unixSeconds)
        // Nothing else brings an invitation back (a missed commit notification is made up by
        // the next one), and a value put on the DHT is not proof that the invitee's inbox saw
        // it: it is sent again (the invitee keeps one request per conversation) until the
        // invitee is no longer only invited (joined, or removed), four times at most.
        var reached = 0
        for delay in [0, 3, 10, 30] {
            if delay > 0 { guard (try? await context.scheduler.sleep(for: .seconds(delay))) != nil else { return } }
            guard (try? await swarm.view(conversation))?.members.first(where: { $0.account == account.hex })?.role == .invited else { return }
            reached = max(reached, await deliver(message, to: [account]))
        }
        if reached == 0 { context.logger.info("an invitation reached no device", metadata: ["conversation": "\(conversation)", "to": "\(account)"]) }
    }

    /// Offers every conversation we hold to another device of this account (one invitation
    /// each), which clones them from us: a new or returning device gets them all.
    func shareConversations(with device: PublicKeyID) async {
        guard let swarm = try? swarm(), let o = online,
              let peer = try? await o.directory.validate(device, of: id), let key = peer.chain.leaf.rsaPublicKey else { return }
        for conversation in await swarm.conversations() {
            let message = ImMessage(id: context.scheduler.randomID(), body: ImPayload.invitation(conversation.hex, metadata: [:]),
                                    datatype: ImPayload.invitation, date: context.scheduler.unixSeconds)
            if let sip = o.sip, await sip.send(message, to: device, account: id) { continue }
            do { try await put(message, to: device, key: key) } catch {
                context.logger.info("offering a conversation to our other device failed", metadata: ["device": "\(device)", "reason": "\(error)"])
            }
        }
    }

    /// A received invitation: kept for the user unless we have the conversation already or
    /// the sender is banned. From another device of this account it is taken at once: the
    /// conversation is cloned from that device (we are a member already).
    func invited(to conversation: ObjectID, by account: PublicKeyID, device: PublicKeyID, metadata: [String: String]) async {
        guard let swarm = try? swarm(), !(await swarm.has(conversation)), !declinedConversations.contains(conversation) else { return }
        if account == id {
            do {
                _ = try await fetchConversation(conversation, from: device)
            } catch {
                context.logger.info("cloning from our other device failed", metadata: ["conversation": "\(conversation)", "reason": "\(error)"])
            }
            return
        }
        if let c = try? database.contact(account), c.isBanned { return }
        let request = AccountDatabase.ConversationRequest(conversation: conversation.hex, sender: account, device: device,
                                                          received: context.scheduler.unixSeconds, metadata: metadata)
        guard context.recording("a conversation request", { () throws(DaemonError) in try database.saveConversationRequest(request) }) == true else { return }
        context.emit(.conversationRequest, peer: account) { e in
            e.conversationId = conversation.hex
            e.displayName = metadata["title"]
        }
    }

    /// Accepts an invitation: clone from the device that sent it, join, tell the members.
    public func acceptConversation(_ conversation: ObjectID) async throws(DaemonError) {
        guard let request = try database.conversationRequests().first(where: { $0.conversation == conversation.hex }) else {
            throw DaemonError(.noSuchRequest, conversation.hex)
        }
        _ = try await fetchConversation(conversation, from: request.device)
        let joined = try await swarm().join(conversation)
        _ = await committed(joined, in: conversation)
        try database.deleteConversationRequest(conversation.hex)
    }

    public func declineConversation(_ conversation: ObjectID) throws(DaemonError) {
        guard try database.conversationRequests().contains(where: { $0.conversation == conversation.hex }) else { throw DaemonError(.noSuchRequest, conversation.hex) }
        try database.deleteConversationRequest(conversation.hex)
        declinedConversations.insert(conversation)
    }

    static func modeNumber(_ mode: API.ConversationMode) -> Int {
        switch mode {
        case .oneToOne: 0
        case .adminInvitesOnly: 1
        case .invitesOnly: 2
        case .public: 3
        }
    }
}
