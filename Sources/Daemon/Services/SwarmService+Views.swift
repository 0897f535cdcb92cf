import DaemonWire
import Foundation
import Identity
import Swarm
import SwarmIndex

/// What a message's status is computed from: how far each member read and fetched, as
/// positions in this device's order of the conversation.
struct StatusContext {
    let me: String
    /// member → seq of the last message it read (us included).
    let read: [String: Int64]
    /// The furthest any member's device fetched from us.
    let fetched: Int64

    func status(_ m: IndexedMessage) -> API.MessageStatus {
        if m.author == me {
            if read.contains(where: { $0.key != me && $0.value >= m.seq }) { return .displayed }
            return fetched >= m.seq ? .sent : .sending
        }
        return (read[me] ?? 0) >= m.seq ? .displayed : .received
    }

    func view(_ m: IndexedMessage) -> API.Message {
        API.Message(id: m.id, conversation: m.conversation, author: m.author, device: m.device, type: m.type, body: m.body,
                    timestamp: m.timestamp, status: status(m), replyTo: m.replyTo,
                    reactions: m.reactions.map { API.Reaction(id: $0.id, author: $0.author, emoji: $0.emoji) },
                    edited: m.edited, deleted: m.deleted, fields: m.fields)
    }
}

extension SwarmService {
    func statusContext(_ conversation: ObjectID) -> StatusContext {
        let c = conversation.hex
        func seqs(_ kind: AccountDatabase.PositionKind) -> [String: Int64] {
            let positions = (try? context.database.positions(in: c, kind)) ?? [:]
            return positions.compactMapValues { try? index.seq(of: $0, in: c) }
        }
        return StatusContext(me: context.account.hex, read: seqs(.read), fetched: seqs(.fetched).values.max() ?? 0)
    }

    /// A conversation we hold (not one we left).
    func held(_ conversation: ObjectID) throws(DaemonError) -> ConversationRepository {
        guard leftAt(conversation) == nil else { throw DaemonError(.noSuchConversation, conversation.hex) }
        return try repository(conversation)
    }

    public func view(_ conversation: ObjectID) throws(DaemonError) -> API.Conversation {
        let r = try held(conversation)
        let roles: [String: MemberRole]
        let mode: ConversationMode
        let title: String?
        do {
            roles = try r.roles()
            let root = try SwarmCommit(try r.git.commit(conversation))
            mode = root.message.mode.flatMap(ConversationMode.init(rawValue:)) ?? .invitesOnly
            title = try r.git.file(ConversationLayout.profile, in: try r.git.commit(try r.head).tree, limit: 1 << 20).flatMap { ConversationProfile(vcard: $0).shownTitle }
        } catch {
            throw .storage("\(conversation): \(error)")
        }
        let read = (try? context.database.positions(in: conversation.hex, .read)) ?? [:]
        let statuses = statusContext(conversation)
        let members = roles.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map { account, role in
            API.ConversationMember(account: account, role: API.MemberRole(rawValue: role.rawValue)!, lastRead: read[account])
        }
        let last = (try? index.messages(in: conversation.hex, limit: 1))?.last
        let unread = (try? index.count(in: conversation.hex, after: statuses.read[context.account.hex] ?? 0, notBy: context.account.hex)) ?? 0
        return API.Conversation(id: conversation.hex, mode: Self.wire(mode), members: members, title: title,
                                lastMessage: last.map(statuses.view), unread: unread)
    }

    public func views() -> [API.Conversation] {
        conversations().compactMap { try? view($0) }
    }

    /// A page of messages, oldest first, before `before` (the newest page when nil).
    public func messages(in conversation: ObjectID, before: String?, limit: Int) throws(DaemonError) -> API.MessagePage {
        _ = try held(conversation)
        let page: [IndexedMessage]
        do { page = try index.messages(in: conversation.hex, before: before, limit: limit) } catch { throw .storage("\(error)") }
        if let before, page.isEmpty, (try? index.seq(of: before, in: conversation.hex)) == nil { throw DaemonError(.noSuchMessage, before) }
        let statuses = statusContext(conversation)
        let next = page.count == min(max(limit, 1), MessageIndex.maxPage) && (page.first?.seq ?? 0) > 1 ? page.first?.id : nil
        return API.MessagePage(messages: page.map(statuses.view), next: next)
    }

    public func message(_ id: ObjectID, in conversation: ObjectID) throws(DaemonError) -> API.Message {
        _ = try held(conversation)
        guard let m = try? index.message(id.hex, in: conversation.hex) else { throw DaemonError(.noSuchMessage, id.hex) }
        return statusContext(conversation).view(m)
    }

    /// Messages matching every word of `text`, newest first, in one conversation or all.
    public func search(_ text: String, in conversation: ObjectID?, limit: Int) throws(DaemonError) -> [API.Message] {
        let found: [IndexedMessage]
        do { found = try index.search(text, in: conversation?.hex, limit: limit) } catch { throw .storage("\(error)") }
        var contexts: [String: StatusContext] = [:]
        return found.filter { ObjectID(hex: $0.conversation).map { leftAt($0) == nil } ?? false }.map { m in
            let c = contexts[m.conversation] ?? statusContext(ObjectID(hex: m.conversation)!)
            contexts[m.conversation] = c
            return c.view(m)
        }
    }

    /// Records that `member` read up to `commit` (only forwards); returns whether it moved.
    @discardableResult
    public func markRead(_ commit: ObjectID, by member: PublicKeyID, in conversation: ObjectID) throws(DaemonError) -> Bool {
        guard let seq = try? index.seq(of: commit.hex, in: conversation.hex) else { throw DaemonError(.noSuchMessage, commit.hex) }
        let current = statusContext(conversation).read[member.hex] ?? 0
        guard seq > current else { return false }
        try context.database.setPosition(commit.hex, of: member.hex, in: conversation.hex, .read)
        if member != context.account, let m = try? index.message(commit.hex, in: conversation.hex) {
            let view = statusContext(conversation).view(m)
            context.emit(.messageStatus, peer: member) { $0.conversationId = conversation.hex; $0.message = view }
        }
        return true
    }

    /// A member's device fetched `commits` from us: our messages up to them are `sent`.
    func fetched(_ commits: [ObjectID], by member: PublicKeyID, in conversation: ObjectID) {
        guard member != context.account,
              let newest = commits.compactMap({ c in (try? index.seq(of: c.hex, in: conversation.hex)).flatMap { $0 }.map { (c, $0) } }).max(by: { $0.1 < $1.1 }),
              newest.1 > statusContext(conversation).fetched else { return }
        context.recording("a fetch position") { () throws(DaemonError) in try context.database.setPosition(newest.0.hex, of: member.hex, in: conversation.hex, .fetched) }
        if let m = try? index.message(newest.0.hex, in: conversation.hex), m.author == context.account.hex {
            let view = statusContext(conversation).view(m)
            context.emit(.messageStatus, peer: member) { $0.conversationId = conversation.hex; $0.message = view }
        }
    }

    static func wire(_ mode: ConversationMode) -> API.ConversationMode {
        switch mode {
        case .oneToOne: .oneToOne
        case .adminInvitesOnly: .adminInvitesOnly
        case .invitesOnly: .invitesOnly
        case .publicConversation: .public
        }
    }
}
