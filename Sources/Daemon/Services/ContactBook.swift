import DaemonWire
import Contacts
import Identity

/// The account's contacts and trust requests under Jami's rules (``ContactRules``): adding,
/// accepting, declining, removing and banning, and what a received request does. State is in
/// the database; the DHT side goes through the online services (presence follows contacts,
/// request delivery sends our requests and answers), absent while the account is offline.
public actor ContactBook {
    let context: AccountContext
    let pendingRequestLimit: Int
    private var online: OnlineServices?

    /// The services a contact change reaches on the DHT.
    public struct OnlineServices: Sendable {
        public var presence: Presence
        public var delivery: RequestDelivery
    }

    public init(context: AccountContext, pendingRequestLimit: Int) {
        self.context = context
        self.pendingRequestLimit = pendingRequestLimit
    }

    /// Connects the book to the DHT side (nil when going offline).
    func attach(_ services: OnlineServices?) { online = services }

    var currentOnline: OnlineServices? { online }

    var database: AccountDatabase { context.database }
    private var now: Int64 { context.scheduler.unixSeconds }

    // MARK: profile

    /// Our profile (vCard) sent with requests.
    public nonisolated func profile() -> [UInt8] {
        do {
            if let stored = try context.database.setting("profile") { return stored }
        } catch {
            context.logger.error("cannot read our profile; sending an empty one", metadata: ["error": "\(error)"])
        }
        return VCard.make(displayName: "")
    }

    /// Replaces our profile. Refused over ``TrustRequest/maxPayload``, since Jami drops larger ones.
    public func setProfile(_ vcard: [UInt8]) throws(DaemonError) {
        guard vcard.count <= TrustRequest.maxPayload else { throw DaemonError(ContactsError.payloadTooLarge(vcard.count, limit: TrustRequest.maxPayload)) }
        try database.setSetting("profile", vcard)
    }

    public nonisolated func displayName() -> String? { VCard.displayName(in: profile()) }

    /// The request we keep sending to `peer`: nil unless they are a contact who has not
    /// confirmed yet.
    public nonisolated func pendingRequest(for peer: PublicKeyID) throws(DaemonError) -> TrustRequest? {
        guard let contact = try context.database.contact(peer), contact.isActive, !contact.confirmed else { return nil }
        return TrustRequest(conversationId: contact.conversationId, payload: profile())
    }

    // MARK: what the user does

    /// Adds `peer` and asks them for contact: the request goes to each of their devices, now and
    /// whenever a new one is announced, until they accept. A pending request from them is
    /// accepted instead.
    /// - Parameter conversation: the 1:1 conversation offered with the request (jamid clones
    ///   it from us on accepting); empty keeps the one the contact has, if any.
    public func add(_ peer: PublicKeyID, conversation: String = "") async throws(DaemonError) {
        guard peer != context.account else { throw .invalid("this is your own account") }
        if try database.request(from: peer) != nil {
            try await accept(peer)
            return
        }
        let now = now
        let contact = try database.write { db in
            let c = ContactRules.add(try AccountDatabase.contact(peer, in: db), conversationId: conversation, now: now)
            try database.saveContact(peer, c, in: db)
            return c
        }
        publish(.contactAdded(peer, confirmed: contact.confirmed))
        guard let online else { return }
        await online.delivery.forget(peer)  // a new request: new values, a new schedule
        await online.presence.refollow(peer)  // the listen replays the announcements alive now
        await online.delivery.lookUp(peer)
    }

    /// Accepts the pending request from `peer`: a confirmed contact, and `confirm=true` sent to
    /// all of their devices.
    /// Returns the conversation the request offered (empty when none) and the device that sent
    /// it, from which that conversation can be cloned.
    @discardableResult
    public func accept(_ peer: PublicKeyID) async throws(DaemonError) -> (conversation: String, device: PublicKeyID) {
        let now = now
        let accepted = try database.write { db -> (Contact, PublicKeyID)? in
            guard let request = try AccountDatabase.request(from: peer, in: db) else { return nil }
            let c = ContactRules.accept(request, contact: try AccountDatabase.contact(peer, in: db), now: now)
            try database.saveContact(peer, c, displayName: VCard.displayName(in: request.payload), in: db)
            try database.deleteRequest(from: peer, in: db)
            return (c, request.device)
        }
        guard let (contact, device) = accepted else { throw .noSuchRequest(peer.hex) }
        publish(.contactAdded(peer, confirmed: true))
        guard let online else { return (contact.conversationId, device) }
        await online.delivery.forget(peer)
        await online.presence.follow(peer)
        await online.delivery.answer(TrustRequest(conversationId: contact.conversationId, confirm: true), to: peer)
        return (contact.conversationId, device)
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
    public func remove(_ peer: PublicKeyID, ban: Bool) async throws(DaemonError) {
        guard peer != context.account else { throw .invalid("this is your own account") }
        let now = now
        try database.write { db in
            let existing = try AccountDatabase.contact(peer, in: db)
            if existing == nil && !ban { throw DaemonError.noSuchContact(peer.hex) }
            try database.saveContact(peer, ContactRules.remove(existing, ban: ban, now: now), in: db)
            try database.deleteRequest(from: peer, in: db)
        }
        if let online {
            await online.presence.unfollow(peer)
            await online.delivery.forget(peer)
        }
        publish(.contactRemoved(peer, banned: ban))
    }

    public func unban(_ peer: PublicKeyID) throws(DaemonError) {
        try database.write { db in
            guard let c = try AccountDatabase.contact(peer, in: db), c.isBanned else { throw DaemonError.noSuchContact(peer.hex + " (not banned)") }
            try database.saveContact(peer, ContactRules.unban(c), in: db)
        }
        publish(.contactRemoved(peer, banned: false))
    }

    /// A page of pending requests, oldest first, and how many are pending in all.
    public nonisolated func requests(limit: Int, after: (received: Int64, sender: PublicKeyID)?) throws(DaemonError)
        -> (requests: [IncomingRequest], total: Int) {
        (try context.database.requests(limit: limit, after: after), try context.database.requestCount())
    }

    /// The contacts to follow when the account comes online.
    func activeContacts() -> [PublicKeyID] {
        do {
            return try database.contacts().filter { $0.1.isActive }.map(\.0)
        } catch {
            context.logger.error("cannot read the contacts to follow", metadata: ["error": "\(error)"])
            return []
        }
    }

    func publish(_ event: ContactEvent) {
        switch event {
        case .requestReceived(let r):
            context.emit(.requestReceived, peer: r.from) { e in
                e.device = r.device.hex
                e.conversationId = r.conversationId
                e.displayName = VCard.displayName(in: r.payload)
            }
        case .contactAdded(let peer, let confirmed):
            context.emit(.contactAdded, peer: peer) { $0.confirmed = confirmed }
        case .contactConfirmed(let peer):
            context.emit(.contactConfirmed, peer: peer) { $0.confirmed = true }
        case .contactRemoved(let peer, let banned):
            context.emit(.contactRemoved, peer: peer) { $0.banned = banned }
        }
    }
}
