import Contacts
import DaemonWire
import Identity

// What the local API reads from an account, so its routes never reach into the database. Each
// method is one call into the runtime's state; the API converts the domain types it returns.
extension AccountRuntime {
    /// A contact as the API shows it: the wire type itself.
    public typealias ContactView = API.Contact

    public func contactViews() throws(DaemonError) -> [ContactView] {
        let seen = try database.presence()
        return try database.contacts().map { peer, c, name in
            ContactView(id: peer.hex, state: API.ContactState(c.state), confirmed: c.confirmed, added: c.added, removed: c.removed,
                        conversationId: c.conversationId, displayName: name, online: c.isActive ? isOnline(peer) : nil,
                        lastSeen: isOnline(peer) == true ? WallClock.unixSeconds : seen[peer]?.lastSeen)
        }
    }

    public func contactView(_ peer: PublicKeyID) throws(DaemonError) -> ContactView {
        guard let v = try contactViews().first(where: { $0.id == peer.hex }) else { throw .noSuchContact(peer.hex) }
        return v
    }

    /// Up to `limit` pending requests received after `after`, oldest first, and how many are
    /// pending in all.
    public func requestPage(limit: Int, after: (received: Int64, sender: PublicKeyID)?) throws(DaemonError) -> (requests: [IncomingRequest], total: Int) {
        (try database.requests(limit: limit, after: after), try database.requestCount())
    }

    /// The devices of this account seen on the DHT, with when (seconds since 1970).
    public func devicesSeen() throws(DaemonError) -> [(device: PublicKeyID, seen: Int64)] {
        try database.devices(of: id).map { (device: $0.0, seen: $0.1) }
    }
}

extension API.ContactState {
    init(_ state: Contact.State) {
        self = switch state {
        case .active: .active
        case .removed: .removed
        case .banned: .banned
        }
    }
}
