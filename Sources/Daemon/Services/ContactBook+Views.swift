import Contacts
import DaemonWire
import Identity

extension ContactBook {
    /// A contact as the API shows it: the wire type itself.
    public typealias ContactView = API.Contact

    /// Online states of the followed accounts (empty while offline).
    private func followed() async -> [PublicKeyID: Bool] {
        await currentOnline?.presence.states() ?? [:]
    }

    public func contactViews() async throws(DaemonError) -> [ContactView] {
        let states = await followed()
        let now = context.scheduler.unixSeconds
        let seen = try context.database.presence()
        return try context.database.contacts().map { peer, c, name in
            // The profile their devices pushed, else the one in their request.
            let pushed = (try? context.database.profile(of: peer.hex)).flatMap { $0 }.flatMap(VCard.displayName(in:))
            return ContactView(id: peer.hex, state: API.ContactState(c.state), confirmed: c.confirmed, added: c.added, removed: c.removed,
                        conversationId: c.conversationId, displayName: pushed ?? name, online: c.isActive ? states[peer] : nil,
                        lastSeen: states[peer] == true ? now : seen[peer]?.lastSeen)
        }
    }

    public func contactView(_ peer: PublicKeyID) async throws(DaemonError) -> ContactView {
        guard let v = try await contactViews().first(where: { $0.id == peer.hex }) else { throw .noSuchContact(peer.hex) }
        return v
    }

    /// The accounts seen so far: online only once this run's DHT listen has seen a live
    /// announcement (what was stored says when they were last seen, not that they are online now).
    public func presence() async throws(DaemonError) -> [API.Presence] {
        let states = await followed()
        let now = context.scheduler.unixSeconds
        return try context.database.presence().map { account, row in
            if states[account] == true { return API.Presence(id: account.hex, online: true, changed: row.changed, lastSeen: now) }
            // Stored online: online then, unknown since, so the last change we know of is when
            // it was last seen.
            return API.Presence(id: account.hex, online: false, changed: row.online ? row.lastSeen ?? row.changed : row.changed, lastSeen: row.lastSeen)
        }
        .sorted { $0.id < $1.id }
    }
}
