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
