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
            guard announcement.device != device.shortID, isNew, (try? await o.directory.validate(announcement.device, of: id)) != nil else { return }
            context.emit(.deviceFound, peer: id) { $0.device = announcement.device.hex }
            return
        }
        await o.delivery.deviceAnnounced(announcement, of: account)
    }

    func received(_ delivery: Inbox.Delivery) async {
        switch delivery {
        case .trustRequest(let request, let account, let device):
            await contacts.received(request, from: account, device: device)
        case .connectionRequest(_, let device):
            // Without a connection service yet the request is left unanswered; the peer gives
            // up after 30 s.
            context.logger.info("connection request left unanswered (no connection manager yet)", metadata: ["device": "\(device)"])
            context.emit(.connectionRefused) { e in
                e.device = device.hex
                e.detail = "connection requests are not supported yet"
            }
        }
    }
}
