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

    /// Fetches (or clones) `conversation` from one device (by its short id) over our socket to
    /// it; returns `main` after the peer's history was validated and merged.
    public func fetchConversation(_ conversation: ObjectID, from device: PublicKeyID) async throws(DaemonError) -> ObjectID {
        let swarm = try swarm()
        guard let directory = online?.directory else { throw .network("the account is offline") }
        let peer = try await directory.validate(device, record: false)
        let socket = try await connections().connect(device, now: true)
        return try await swarm.fetch(conversation, from: DeviceLongID(spki: peer.chain.leaf.spkiDER), over: socket)
    }
}

extension AccountRuntime {
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
    /// Tells `device` that `commit` is new in `conversation` (so it fetches it from us): an
    /// ImMessage `application/im-gitmessage-id` encrypted to it at its inbox, the path jamid
    /// takes when no `sip` channel is open.
    func notify(_ commit: ObjectID, in conversation: ObjectID, to device: PublicKeyID) async throws(DaemonError) {
        guard let o = online else { throw .network("the account is offline") }
        let peer = try await o.directory.validate(device, record: false)
        guard let key = peer.chain.leaf.rsaPublicKey else { throw DaemonError(.noSuchPeer, "\(device): no RSA key") }
        try await notify(commit, in: conversation, to: device, key: key)
    }

    /// The same, the device's encryption key already known (a member's announced device).
    func notify(_ commit: ObjectID, in conversation: ObjectID, to device: PublicKeyID, key: RSAPublicKey) async throws(DaemonError) {
        guard let node = online?.node else { throw .network("the account is offline") }
        let message = ImMessage.gitMessage(conversation: conversation.hex, commit: commit.hex, device: context.device.longID.hex,
                                           id: context.scheduler.randomID(), date: context.scheduler.unixSeconds)
        do {
            let sealed = try node.sealed(Value(id: context.scheduler.randomID(), type: ValueType.imMessage.id, data: message.encoded()), to: key)
            _ = try await node.put(DeviceDirectory.inbox(of: device), sealed)
        } catch {
            throw .network("notifying \(device) of \(commit): \(error)")
        }
        context.logger.info("notified a commit", metadata: ["conversation": "\(conversation)", "commit": "\(commit)", "to": "\(device)"])
    }
}

extension AccountRuntime {
    /// A commit notification (`application/im-gitmessage-id`, `{"id":…,"commit":…,"deviceId":…}`,
    /// pretty-printed by jamid) for a conversation we hold: fetch from the device that sent it.
    /// Other message types are not handled yet.
    func receivedMessage(_ message: ImMessage, from account: PublicKeyID, device: PublicKeyID) {
        guard message.datatype == "application/im-gitmessage-id",
              let json = try? JSONSerialization.jsonObject(with: Data(message.body.utf8)) as? [String: Any],
              let conversation = (json["id"] as? String).flatMap(ObjectID.init(hex:)) else { return }
        let logger = context.logger
        context.scheduler.spawn { [weak self] in
            guard let self, let swarm = try? await self.swarm(), await swarm.conversations().contains(conversation) else { return }
            do {
                let head = try await self.fetchConversation(conversation, from: device)
                logger.info("fetched a notified commit", metadata: ["conversation": "\(conversation)", "head": "\(head)", "from": "\(device)"])
            } catch {
                logger.info("fetching a notified commit failed", metadata: ["conversation": "\(conversation)", "from": "\(device)", "reason": "\(error)"])
            }
        }
    }
}

extension AccountRuntime {
    /// Commits a text message (a reply when `replyTo` is given) and notifies every member device
    /// (our own other devices included), which then fetch it from us.
    public func sendMessage(_ body: String, in conversation: ObjectID, replyTo: ObjectID? = nil) async throws(DaemonError) -> ObjectID {
        let swarm = try swarm()
        let commit = try await swarm.commit(.text(body, replyTo: replyTo), in: conversation)
        await notifyMembers(of: conversation, commit: commit)
        return commit
    }

    /// One ImMessage per announced device of every member account; a device that cannot be
    /// reached now fetches when it next hears of a commit.
    func notifyMembers(of conversation: ObjectID, commit: ObjectID) async {
        guard let swarm = try? swarm(), let o = online else { return }
        for account in await swarm.memberAccounts(conversation) {
            // Announced devices, validated by `devices(of:)`: their announced key is used as
            // is, not looked up and validated a second time.
            let devices = (try? await o.directory.devices(of: account)) ?? []
            for d in devices where d.device != context.device.shortID {
                do {
                    let key: RSAPublicKey
                    do { key = try await DeviceDirectory.encryptionKey(of: d, node: o.node) } catch { throw DaemonError(.noSuchPeer, "\(d.device): \(error)") }
                    try await notify(commit, in: conversation, to: d.device, key: key)
                } catch {
                    context.logger.info("a commit notification failed", metadata: ["to": "\(d.device)", "reason": "\(error)"])
                }
            }
        }
    }
}
