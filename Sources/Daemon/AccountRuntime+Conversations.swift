import Connectivity
import Contacts
import DHT
import Foundation
import Identity
import Swarm

// Conversations as the local API will see them.
extension AccountRuntime {
    func swarm() throws(DaemonError) -> SwarmService {
        guard let swarm = online?.swarm else { throw .network("the account is offline or its conversations are off") }
        return swarm
    }

    /// The conversations service, for reading (views, pages, search).
    public func swarmService() throws(DaemonError) -> SwarmService { try swarm() }

    /// Fetches (or clones) `conversation` from one device (by its short id) over our socket to
    /// it; returns `main` after the peer's history was validated and merged.
    public func fetchConversation(_ conversation: ObjectID, from device: PublicKeyID) async throws(DaemonError) -> ObjectID {
        let swarm = try swarm()
        guard let directory = online?.directory else { throw .network("the account is offline") }
        let peer = try await directory.validate(device, record: false)
        let socket = try await connections().connect(device, now: true)
        let head = try await swarm.fetch(conversation, from: DeviceLongID(spki: peer.chain.leaf.spkiDER), over: socket)
        // As jamid does on every sync with a device: our profile if it lacks this version, and
        // theirs if we have none.
        if let profiles = online?.profiles {
            let from = Connections.PeerDevice(account: peer.account, device: device, long: DeviceLongID(spki: peer.chain.leaf.spkiDER))
            context.scheduler.spawn {
                await profiles.push(to: from, in: conversation)
                await profiles.pullIfMissing(from.account, in: conversation, from: from)
            }
        }
        return head
    }
}

extension AccountRuntime {
    /// Adds `peer` as a contact. Jami offers a 1:1 conversation with each request: one is
    /// created (`invited` the peer) unless the contact has one already here, and its id goes in
    /// the request, so the peer clones it from us on accepting. A pending request from `peer`
    /// is accepted instead (its conversation cloned).
    public func addContact(_ peer: PublicKeyID) async throws(DaemonError) {
        if try database.request(from: peer) != nil { return try await acceptRequest(peer) }
        guard peer != id else { throw .invalid("this is your own account") }
        var offered = ""
        if let swarm = online?.swarm {
            let existing = try database.contact(peer)?.conversationId ?? ""
            if let c = ObjectID(hex: existing), await swarm.holds(c) {
                offered = existing
            } else {
                offered = try await swarm.create(mode: .oneToOne, invited: peer).hex
            }
        }
        try await contacts.add(peer, conversation: offered)
    }

    /// Accepts `peer`'s trust request; when it offered a conversation (a 1:1 from Jami), clones
    /// it from the device that sent the request, in the background (three tries: at once, after
    /// 3 s, after 10 s), as jamid does after accepting.
    public func acceptRequest(_ peer: PublicKeyID) async throws(DaemonError) {
        let (offered, device) = try await contacts.accept(peer)
        guard let conversation = ObjectID(hex: offered), online?.swarm != nil else { return }
        let scheduler = context.scheduler, logger = context.logger
        context.scheduler.spawn { [weak self] in
            for delay in [0, 3, 10] {
                if delay > 0 { guard (try? await scheduler.sleep(for: .seconds(delay))) != nil else { return } }
                guard let self else { return }
                do {
                    let head = try await self.fetchConversation(conversation, from: device)
                    logger.info("cloned a conversation", metadata: ["conversation": "\(conversation)", "head": "\(head)", "from": "\(device)"])
                    // Then join, and tell the inviter: nothing else makes jamid fetch our join.
                    let joined = try await self.swarm().join(conversation)
                    try await self.notify(joined, in: conversation, to: device)
                    return
                } catch {
                    logger.info("cloning a conversation failed", metadata: ["conversation": "\(conversation)", "from": "\(device)", "reason": "\(error)"])
                }
            }
        }
    }
}


extension AccountRuntime {
    /// An instant message from a verified device of `account`: a commit notification (fetch
    /// from that device), a read receipt, a typing indicator or a group invitation. Anything
    /// about a conversation is only taken from its members.
    func receivedMessage(_ message: ImMessage, from account: PublicKeyID, device: PublicKeyID) {
        guard let swarm = try? swarm() else { return }
        let logger = context.logger
        switch message.datatype {
        case ImPayload.gitMessage:
            guard let (c, _, _) = ImPayload.parseGitMessage(message.body), let conversation = ObjectID(hex: c) else { return }
            context.scheduler.spawn { [weak self] in
                guard let self, await swarm.holds(conversation), await swarm.mayFetch(account, conversation),
                      await swarm.beginFetch(conversation, from: device) else { return }
                repeat {
                    do {
                        let before = await swarm.currentHead(conversation)
                        let head = try await self.fetchConversation(conversation, from: device)
                        logger.info("fetched a notified commit", metadata: ["conversation": "\(conversation)", "head": "\(head)", "from": "\(device)"])
                        if head != before { await self.relay(head, in: conversation, except: [account]) }
                    } catch {
                        logger.info("fetching a notified commit failed", metadata: ["conversation": "\(conversation)", "from": "\(device)", "reason": "\(error)"])
                    }
                } while await swarm.endFetch(conversation, from: device)
            }
        case ImPayload.imdn:
            guard let (m, c) = ImPayload.parseDisplayed(message.body), let commit = ObjectID(hex: m), let conversation = ObjectID(hex: c) else { return }
            context.scheduler.spawn {
                guard await swarm.memberAccounts(conversation).contains(account) else { return }
                await swarm.markReadWhenKnown(commit, by: account, in: conversation)
            }
        case ImPayload.composing:
            guard let (active, c) = ImPayload.parseComposing(message.body), let conversation = ObjectID(hex: c) else { return }
            let context = context
            context.scheduler.spawn {
                guard account != context.account, await swarm.memberAccounts(conversation).contains(account) else { return }
                context.emit(.typing, peer: account) { e in
                    e.conversationId = conversation.hex
                    e.state = active ? "active" : "idle"
                }
            }
        case ImPayload.invitation:
            guard let (c, metadata) = ImPayload.parseInvitation(message.body), let conversation = ObjectID(hex: c) else { return }
            context.scheduler.spawn { [weak self] in await self?.invited(to: conversation, by: account, device: device, metadata: metadata) }
        default:
            logger.debug("an instant message of a type not handled", metadata: ["type": "\(message.datatype.prefix(80))"])
        }
    }
}

extension AccountRuntime {
    /// Members relayed to after a fetch brought new commits.
    static let relayFanout = 2

    /// Passes news on: after a fetch brought new commits, up to ``relayFanout`` random other
    /// members are told our new head, so they fetch from us. An author's notifications may miss
    /// members (jamid 13.7 notifies the members its repository knew when it committed, and drops
    /// notifications between accounts that are not contacts); the relay makes every member get
    /// every commit anyway, epidemically. It ends by itself: a member that already has the
    /// commits fetches nothing new and relays nothing.
    func relay(_ head: ObjectID, in conversation: ObjectID, except: [PublicKeyID]) async {
        guard let swarm = try? swarm() else { return }
        let others = await swarm.memberAccounts(conversation).filter { $0 != id && !except.contains($0) }
        var chosen: [PublicKeyID] = []
        var pool = others
        while chosen.count < Self.relayFanout, !pool.isEmpty {
            chosen.append(pool.remove(at: Int(context.scheduler.randomID() % UInt64(pool.count))))
        }
        guard !chosen.isEmpty else { return }
        let message = ImMessage.gitMessage(conversation: conversation.hex, commit: head.hex, device: context.device.longID.hex,
                                           id: context.scheduler.randomID(), date: context.scheduler.unixSeconds)
        await deliver(message, to: chosen)
    }

    /// Catches up after being away: each conversation is fetched from the first device of
    /// another member that answers (any of them holds the whole history), four conversations
    /// at a time. With `account`, only the conversations it is a member of, from its devices
    /// (one of them just came online).
    func syncConversations(with account: PublicKeyID? = nil) async {
        guard let swarm = try? swarm(), let directory = online?.directory else { return }
        var work: [(ObjectID, [PublicKeyID])] = []
        for conversation in await swarm.conversations() {
            let members = await swarm.memberAccounts(conversation).filter { $0 != id }
            if let account, !members.contains(account) { continue }
            work.append((conversation, account.map { [$0] } ?? members))
        }
        let logger = context.logger
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for (conversation, accounts) in work {
                if running == 4 {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask { [weak self] in
                    guard let self else { return }
                    for member in accounts {
                        for d in (try? await directory.devices(of: member)) ?? [] {
                            do {
                                _ = try await self.fetchConversation(conversation, from: d.device)
                                return
                            } catch {
                                logger.debug("catching up from a device failed", metadata: ["conversation": "\(conversation)", "device": "\(d.device)", "reason": "\(error)"])
                            }
                        }
                    }
                }
            }
        }
    }
}
