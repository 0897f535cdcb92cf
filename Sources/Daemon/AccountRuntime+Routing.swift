import DaemonWire
import Contacts
import DHT
import Identity

/// How the services' outputs reach each other: announcements from presence, deliveries from
/// the inbox.
extension AccountRuntime {
    /// A device announced by an account we follow: our pending request goes to a contact's new
    /// device; a new device of our own account is checked and reported.
    func announced(_ announcement: DeviceAnnouncement, of account: PublicKeyID, isNew: Bool) async {
        guard let o = online else { return }
        if account == id {
            guard announcement.device != device.shortID, isNew else { return }
            await ownDeviceAnnounced(announcement.device, directory: o.directory)
            return
        }
        await o.delivery.deviceAnnounced(announcement, of: account, appeared: isNew)
        if isNew {
            context.scheduler.spawn { [weak self] in await self?.syncConversations(with: account) }
            if let transfers = o.transfers { await transfers.deviceAppeared(of: account) }
        }
    }

    /// Another device of this account: reported once its chain checks out. A device announces
    /// itself while its certificate is being published, so a certificate not found yet is
    /// looked for again (after 3, 6 and 12 s).
    private func ownDeviceAnnounced(_ other: PublicKeyID, directory: DeviceDirectory, attempt: Int = 0) async {
        let validated: DeviceDirectory.ValidatedDevice
        do {
            validated = try await directory.validate(other, of: id)
        } catch {
            context.logger.info("an announced device of this account is not valid (yet)", metadata: ["device": "\(other)", "reason": "\(error)"])
            guard error.code == .network, attempt < Inbox.certificateRetries else { return }
            let scheduler = context.scheduler
            scheduler.spawn { [weak self] in
                guard (try? await scheduler.sleep(for: .seconds(3 << attempt))) != nil else { return }
                await self?.ownDeviceAnnounced(other, directory: directory, attempt: attempt + 1)
            }
            return
        }
        context.emit(.deviceFound, peer: id) { $0.device = other.hex }
        context.scheduler.spawn { [weak self] in await self?.shareConversations(with: other) }
        if let sync = online?.sync {
            let long = DeviceLongID(spki: validated.chain.leaf.spkiDER)
            context.scheduler.spawn { await sync.connect(to: other, long: long) }
        }
    }

    func received(_ delivery: Inbox.Delivery) async {
        switch delivery {
        case .trustRequest(let request, let account, let device):
            await contacts.received(request, from: account, device: device)
        case .connectionRequest(let value, let device):
            if let connections = online?.connections {
                await connections.received(value, from: device)
                return
            }
            // Without the connection service (the simulation) the request is left unanswered;
            // the peer gives up after 30 s.
            context.emit(.connectionRefused) { e in
                e.device = device.hex
                e.detail = "peer connections are off on this device"
            }
        case .imMessage(let message, let account, let device):
            receivedMessage(message, from: account, device: device)
        case .deviceSync(let sync, let device):
            do {
                try await contacts.merge(sync.contacts)
                try await contacts.mergeRequests(sync.requests)
                context.logger.info("merged a device sync from the DHT", metadata: ["device": "\(device)", "contacts": "\(sync.contacts.count)"])
            } catch {
                context.logger.error("could not merge a device sync", metadata: ["device": "\(device)", "error": "\(error)"])
            }
        }
    }
}
