import Connectivity
import DHT
import ICE
import Identity
import NIOCore
import SecureDHT

/// What outgoing and incoming connections share: the peer's checks, the ICE session, the sealed
/// value and the TLS socket.
extension Connections {
    /// The device's chain checked up to its account (CRL included), the account policy, and
    /// the key to seal to.
    func checkedPeer(_ device: PublicKeyID, incoming: Bool) async throws -> (peer: DeviceDirectory.ValidatedDevice, key: RSAPublicKey) {
        let peer: DeviceDirectory.ValidatedDevice
        do {
            peer = try await directory.validate(device, record: false)
        } catch {
            throw DaemonError(.noSuchPeer, "\(device): \(error)")
        }
        guard await isAllowed(peer.account, incoming) else {
            throw DaemonError(.connectionFailed, incoming ? "refused by policy (account \(peer.account))" : "the account \(peer.account) is banned")
        }
        guard let key = peer.chain.leaf.rsaPublicKey else { throw DaemonError(.noSuchPeer, "\(device): no RSA key") }
        return (peer, key)
    }

    /// A session with our addresses, the DHT-reported one and a relay when configured.
    func makeSession(_ role: ICEAgent.Role) async -> ICESession {
        let addresses = localAddresses()
        return ICESession(loop: loop, role: role, addresses: addresses, reflexive: await reflexiveAddresses(besides: addresses),
                          relay: await allocateRelay(), logger: context.logger)
    }

    func sealed(_ message: PeerConnectionRequest, to key: RSAPublicKey) throws -> Value {
        var rng = SystemRandomNumberGenerator()
        return try node.sealed(Value(id: rng.next(), data: message.encoded, userType: PeerConnectionRequest.userType), to: key)
    }

    /// TLS over the selected connection (server when we asked, as Jami's roles go), the peer
    /// presenting exactly the chain we validated, then the multiplexer.
    func startSocket(on channel: any Channel, isClient: Bool, peer: DeviceDirectory.ValidatedDevice) async throws -> PeerSocket {
        let expected = peer.chain.encodings
        return try await PeerSocket.start(
            on: channel, isClient: isClient, tls: tls,
            verify: { $0.encodings == expected ? .success(()) : .failure(.tls("the peer's chain is not the one it publishes")) },
            accepts: acceptsChannel(from: peer.device), logger: context.logger)
    }
}
