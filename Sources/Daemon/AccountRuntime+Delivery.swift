import Contacts
import DHT
import Foundation
import Identity
import Swarm

// Instant messages to devices (commit notifications, invitations, read receipts, typing): a SIP
// MESSAGE on a `sip` channel when a socket to the device is open, else an ImMessage encrypted
// to the device at its inbox on the DHT, as jamid does.
extension AccountRuntime {
    /// Tells every device of `accounts` (ours included, but not this one) that `commit` is new
    /// in `conversation`, so they fetch it from us.
    func notify(_ commit: ObjectID, in conversation: ObjectID, accounts: [PublicKeyID]) async {
        let message = ImMessage.gitMessage(conversation: conversation.hex, commit: commit.hex, device: context.device.longID.hex,
                                           id: context.scheduler.randomID(), date: context.scheduler.unixSeconds)
        await deliver(message, to: accounts + [id])
        context.logger.info("notified a commit", metadata: ["conversation": "\(conversation)", "commit": "\(commit)"])
    }

    /// The same to one device (the inviter, after we joined).
    func notify(_ commit: ObjectID, in conversation: ObjectID, to device: PublicKeyID) async throws(DaemonError) {
        guard let o = online else { throw .network("the account is offline") }
        let peer = try await o.directory.validate(device, record: false)
        guard let key = peer.chain.leaf.rsaPublicKey else { throw DaemonError(.noSuchPeer, "\(device): no RSA key") }
        let message = ImMessage.gitMessage(conversation: conversation.hex, commit: commit.hex, device: context.device.longID.hex,
                                           id: context.scheduler.randomID(), date: context.scheduler.unixSeconds)
        if let sip = o.sip, await sip.send(message, to: device, account: peer.account) { return }
        try await put(message, to: device, key: key)
    }

    /// One ImMessage per device of each account (each account once), this device excepted:
    /// first over the `sip` channels of the devices we have a socket to (no lookup: the fast
    /// path, ~1 ms), then to every other announced device (a DHT lookup per account); a device
    /// that cannot be reached is logged and skipped. Returns how many devices it reached.
    @discardableResult
    func deliver(_ message: ImMessage, to accounts: [PublicKeyID]) async -> Int {
        guard let o = online else { return 0 }
        var seen = Set<PublicKeyID>()
        let accounts = accounts.filter { seen.insert($0).inserted }
        var sent = Set<PublicKeyID>()
        if let sip = o.sip, let connections = o.connections {
            for account in accounts {
                for device in await connections.openDevices(of: account) where device != context.device.shortID {
                    if await sip.send(message, to: device, account: account) { sent.insert(device) }
                }
            }
        }
        for account in accounts {
            // Announced devices, validated by `devices(of:)`: their announced key is used as is.
            let devices = (try? await o.directory.devices(of: account)) ?? []
            for d in devices where d.device != context.device.shortID && !sent.contains(d.device) {
                if let sip = o.sip, await sip.send(message, to: d.device, account: account) {
                    sent.insert(d.device)
                    continue
                }
                do {
                    let key: RSAPublicKey
                    do { key = try await DeviceDirectory.encryptionKey(of: d, node: o.node) } catch { throw DaemonError(.noSuchPeer, "\(d.device): \(error)") }
                    try await put(message, to: d.device, key: key)
                    sent.insert(d.device)
                } catch {
                    context.logger.info("an instant message was not delivered", metadata: ["to": "\(d.device)", "type": "\(message.datatype)", "reason": "\(error)"])
                }
            }
        }
        return sent.count
    }

    func put(_ message: ImMessage, to device: PublicKeyID, key: RSAPublicKey) async throws(DaemonError) {
        guard let node = online?.node else { throw .network("the account is offline") }
        do {
            let sealed = try node.sealed(Value(id: context.scheduler.randomID(), type: ValueType.imMessage.id, data: message.encoded()), to: key)
            _ = try await node.put(DeviceDirectory.inbox(of: device), sealed)
        } catch {
            throw .network("sending \(message.datatype) to \(device): \(error)")
        }
    }
}
