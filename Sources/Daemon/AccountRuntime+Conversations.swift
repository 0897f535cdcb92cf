import Connectivity
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
                    return
                } catch {
                    logger.info("cloning a conversation failed", metadata: ["conversation": "\(conversation)", "from": "\(device)", "reason": "\(error)"])
                }
            }
        }
    }
}
