import Contacts
import Identity

extension AccountRuntime {
    /// Our profile (vCard) sent with requests; set with ``setProfile(_:)``.
    func profile() -> [UInt8] { (try? database.setting("profile")) ?? VCard.make(displayName: "") }

    /// Replaces our profile. Refused over ``TrustRequest/maxPayload``, since Jami drops larger ones.
    public func setProfile(_ vcard: [UInt8]) throws(DaemonError) {
        guard vcard.count <= TrustRequest.maxPayload else { throw DaemonError(ContactsError.payloadTooLarge(vcard.count, limit: TrustRequest.maxPayload)) }
        try database.setSetting("profile", vcard)
    }

    public func displayName() -> String? { VCard.displayName(in: profile()) }

    /// Adds `peer` and asks them for contact: the request goes to each of their devices, now and
    /// whenever a new one is announced, until they accept. A pending request from them is
    /// accepted instead.
    public func addContact(_ peer: PublicKeyID) async throws(DaemonError) {
        guard peer != id else { throw .invalid("this is your own account") }
        if try database.request(from: peer) != nil {
            try await accept(peer)
            return
        }
        let contact = try database.write { db in
            let c = ContactRules.add(try AccountDatabase.contact(peer, in: db), conversationId: "", now: WallClock.unixSeconds)
            try database.saveContact(peer, c, in: db)
            return c
        }
        publish(.contactAdded(peer, confirmed: contact.confirmed))
        forgetDeliveries(to: peer)  // a new request: new values, a new schedule
        unwatch(peer)
        watch(peer)  // the listen replays the announcements alive now, so each device gets the request
        lookUpAnnouncements(peer)
    }

    /// Accepts the pending request from `peer`: a confirmed contact, and `confirm=true` sent to
    /// all of their devices.
    public func accept(_ peer: PublicKeyID) async throws(DaemonError) {
        let contact = try database.write { db -> Contact? in
            guard let request = try AccountDatabase.request(from: peer, in: db) else { return nil }
            let c = ContactRules.accept(request, contact: try AccountDatabase.contact(peer, in: db), now: WallClock.unixSeconds)
            let name = VCard.displayName(in: request.payload)
            try database.saveContact(peer, c, displayName: name, in: db)
            try database.deleteRequest(from: peer, in: db)
            return c
        }
        guard let contact else { throw .noSuchRequest(peer.hex) }
        forgetDeliveries(to: peer)
        publish(.contactAdded(peer, confirmed: true))
        watch(peer)
        await sendAnswer(to: peer, conversationId: contact.conversationId)
    }

    /// Drops the pending request from `peer`; nothing is sent (as in Jami). The same DHT value
    /// is not shown again; a new request from them is.
    public func decline(_ peer: PublicKeyID) throws(DaemonError) {
        let deleted = try database.write { db in
            try database.deleteRequest(from: peer, in: db)
            return db.changesCount == 1
        }
        guard deleted else { throw .noSuchRequest(peer.hex) }
    }

    /// Removes `peer` (and with `ban`, refuses everything from them from now on).
    public func remove(_ peer: PublicKeyID, ban: Bool) throws(DaemonError) {
        guard peer != id else { throw .invalid("this is your own account") }
        try database.write { db in
            let existing = try AccountDatabase.contact(peer, in: db)
            if existing == nil && !ban { throw DaemonError.noSuchContact(peer.hex) }
            try database.saveContact(peer, ContactRules.remove(existing, ban: ban, now: WallClock.unixSeconds), in: db)
            try database.deleteRequest(from: peer, in: db)
        }
        unwatch(peer)
        forgetDeliveries(to: peer)
        publish(.contactRemoved(peer, banned: ban))
    }

    public func unban(_ peer: PublicKeyID) throws(DaemonError) {
        try database.write { db in
            guard let c = try AccountDatabase.contact(peer, in: db), c.isBanned else { throw DaemonError.noSuchContact(peer.hex + " (not banned)") }
            try database.saveContact(peer, ContactRules.unban(c), in: db)
        }
        publish(.contactRemoved(peer, banned: false))
    }
}
