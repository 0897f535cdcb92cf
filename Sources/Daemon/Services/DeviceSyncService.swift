import AccountSync
import Connectivity
import Contacts
import DaemonWire
import Foundation
import Identity
import NIOCore
import Swarm

/// Sync between the devices of this account over `sync://<device long id>` channels (jami-
/// protocol §8): each device opens one to each other device it sees and writes its state as
/// `SyncMsg` messages, one per frame (contacts and trust requests, conversations, conversation
/// requests); the other reads and merges. Later changes go again over the channels we opened.
///
/// Only devices of this account may open one (checked here; the connection layer already
/// refused devices revoked by our revocation list, so a removed device gets nothing).
public actor DeviceSyncService {
    public static let channelPrefix = "sync://"
    /// The events after which our other devices get our state again.
    static let syncedKinds: Set<DaemonEvent.Kind> = [.contactAdded, .contactRemoved, .contactConfirmed, .requestReceived, .conversationChanged,
                                                     .conversationRequest]

    let context: AccountContext
    let contacts: ContactBook
    let swarm: SwarmService
    let connections: Connections
    /// What the runtime does with the conversations of a message: clone those we lack from
    /// the device that sent it.
    let clone: @Sendable (_ conversation: ObjectID, _ from: PublicKeyID) async -> Void
    /// The channel we opened to each other device (and the socket it is on), for later changes.
    var opened: [PublicKeyID: (channel: PeerChannel, socket: PeerSocket)] = [:]
    var pushScheduled = false

    public init(context: AccountContext, contacts: ContactBook, swarm: SwarmService, connections: Connections,
                clone: @escaping @Sendable (ObjectID, PublicKeyID) async -> Void) {
        self.context = context
        self.contacts = contacts
        self.swarm = swarm
        self.connections = connections
        self.clone = clone
    }

    // MARK: sending

    /// Another device of the account appeared: a channel to it, and our whole state.
    public func connect(to device: PublicKeyID, long: DeviceLongID) async {
        do {
            try await open(to: device, long: long, over: try await connections.connect(device, now: true))
        } catch {
            context.logger.warning("no sync with our other device", metadata: ["device": "\(device)", "reason": "\(error)"])
        }
    }

    /// Opens our channel to `device` over `socket` and sends our state on it.
    func open(to device: PublicKeyID, long: DeviceLongID, over socket: PeerSocket) async throws {
        let channel = try await socket.open(Self.channelPrefix + long.hex)
        opened[device]?.channel.close()
        opened[device] = (channel, socket)
        try await send(to: channel)
        context.logger.info("synced with our other device", metadata: ["device": "\(device)"])
        // The channel stays open for changes, both ways: jamid writes its later messages on
        // the first sync channel it has for a device, which may be this one (its SyncModule
        // reads and writes on every one). When the peer closes it, it is forgotten.
        context.scheduler.spawn { [weak self] in
            await self?.receive(on: channel, from: device)
            await self?.closed(channel, of: device)
        }
    }

    /// A device opened a channel to us over a socket ours is not on (it came back, or the
    /// socket is new): it gets our state over a channel of ours on that socket. Ours on the
    /// same socket means it has it already, which also ends the exchange there.
    func openBack(to device: PublicKeyID, long: DeviceLongID) async {
        guard let socket = await connections.openSocket(device), opened[device]?.socket !== socket else { return }
        do { try await open(to: device, long: long, over: socket) } catch {
            context.logger.info("no sync back to our other device", metadata: ["device": "\(device)", "reason": "\(error)"])
        }
    }

    func closed(_ channel: PeerChannel, of device: PublicKeyID) {
        if opened[device]?.channel === channel { opened[device] = nil }
    }

    func send(to channel: PeerChannel) async throws {
        for message in try await snapshot() {
            try await channel.write(ByteBuffer(bytes: message.encoded))
        }
    }

    /// Something synced changed here: every device with a channel gets our state again, once
    /// per second at most (merging is idempotent, so a whole state is as good as a change).
    public func changed() {
        guard !pushScheduled, !opened.isEmpty else { return }
        pushScheduled = true
        let scheduler = context.scheduler
        scheduler.spawn { [weak self] in
            _ = try? await scheduler.sleep(for: .seconds(1))
            await self?.pushNow()
        }
    }

    func pushNow() async {
        pushScheduled = false
        for (device, o) in opened {
            do { try await send(to: o.channel) } catch {
                context.logger.warning("a sync push failed", metadata: ["device": "\(device)", "reason": "\(error)"])
                opened[device] = nil
            }
        }
    }

    /// Our state as messages: contacts and requests, conversations, conversation requests.
    func snapshot() async throws(DaemonError) -> [SyncMessage] {
        let db = context.database
        var ds = DeviceSync(date: UInt64(max(0, context.scheduler.unixMilliseconds)) * 1_000_000)
        for (peer, c, _) in try db.contacts() { ds.contacts[peer] = c }
        for r in try db.requests(limit: DeviceSync.maxRequests) {
            // jamid reads the key of the request's device; one we cannot give is left out.
            guard let pem = try db.deviceChain(of: r.from, device: r.device), let chain = try? CertificateChain(pemOrDER: Array(pem.utf8)) else { continue }
            ds.requests[r.from] = DeviceSync.Request(deviceKey: chain.leaf.spkiDER, conversationId: r.conversationId, received: r.received)
        }
        var conversations: [String: ConversationInfo] = [:]
        // Those we left too (kept a day): `removed` tells our other devices to hide them.
        for c in await swarm.syncedConversations() {
            conversations[c.hex] = await swarm.syncInfo(c)
        }
        var requests: [String: ConversationRequestInfo] = [:]
        for r in try db.conversationRequests() {
            requests[r.conversation] = ConversationRequestInfo(from: r.sender.hex, conversationId: r.conversation, metadata: r.metadata, received: r.received)
        }
        return SyncMessage.messages(ds, conversations: conversations, requests: requests)
    }

    // MARK: receiving

    /// A channel another device of the account opened: each frame one message, merged.
    public nonisolated func serve(_ channel: PeerChannel, from peer: Connections.PeerDevice) async {
        guard peer.account == context.account, let long = peer.long,
              channel.name == Self.channelPrefix + context.device.longID.hex else {
            context.logger.warning("refused a sync channel", metadata: ["channel": "\(channel.name.prefix(100))", "account": "\(peer.account)"])
            channel.close()
            return
        }
        context.logger.info("a sync channel from our other device", metadata: ["device": "\(peer.device)", "long": "\(long.hex.prefix(12))"])
        // A device that comes back opens to us first: it gets our state over a channel of ours.
        let this = self
        context.scheduler.spawn { await this.openBack(to: peer.device, long: long) }
        await receive(on: channel, from: peer.device)
        channel.close()
    }

    /// Merges each frame of a sync channel (ours or theirs) as one message until it ends.
    nonisolated func receive(on channel: PeerChannel, from device: PublicKeyID) async {
        do {
            for try await frame in channel.inbound {
                let message: SyncMessage
                do { message = try SyncMessage(parsing: Array(frame.readableBytesView)) } catch {
                    context.logger.warning("dropped a sync message", metadata: ["device": "\(device)", "reason": "\(error)"])
                    continue
                }
                await apply(message, from: device)
            }
        } catch {
            context.logger.info("a sync channel ended", metadata: ["device": "\(device)", "reason": "\(error)"])
        }
    }

    func apply(_ m: SyncMessage, from device: PublicKeyID) async {
        do {
            try await contacts.merge(m.deviceSync.contacts)
            try await contacts.mergeRequests(m.deviceSync.requests)
        } catch {
            context.logger.error("could not merge synced contacts", metadata: ["error": "\(error)"])
        }
        for (id, info) in m.conversations {
            guard let conversation = ObjectID(hex: id.lowercased()) else { continue }
            if info.removed > 0 || info.erased > 0 {
                await swarm.leftOnAnotherDevice(conversation)
            } else if !(await swarm.has(conversation)) {
                context.scheduler.spawn { [clone] in await clone(conversation, device) }
            } else if let read = ObjectID(hex: info.lastDisplayed.lowercased()) {
                await swarm.markReadWhenKnown(read, by: context.account, in: conversation)
            }
        }
        for (id, r) in m.requests {
            await conversationRequest(r, id: id)
        }
    }

    /// A conversation request from another device: dropped here when it was declined there,
    /// kept when new (to be cloned from a device of its sender when accepted).
    func conversationRequest(_ r: ConversationRequestInfo, id: String) async {
        let db = context.database
        guard let conversation = ObjectID(hex: id.lowercased()) else { return }
        if r.declined > 0 {
            context.recording("a declined conversation request") { () throws(DaemonError) in try db.deleteConversationRequest(conversation.hex) }
            return
        }
        guard !(await swarm.has(conversation)), let sender = PublicKeyID(hex: r.from),
              (try? db.conversationRequests().contains { $0.conversation == conversation.hex }) == false,
              let device = (try? db.devices(of: sender))?.first?.0 else { return }
        let request = AccountDatabase.ConversationRequest(conversation: conversation.hex, sender: sender, device: device, received: r.received, metadata: r.metadata)
        guard context.recording("a synced conversation request", { () throws(DaemonError) in try db.saveConversationRequest(request) }) == true else { return }
        context.emit(.conversationRequest, peer: sender) { e in
            e.conversationId = conversation.hex
            e.displayName = r.metadata["title"]
        }
    }
}
