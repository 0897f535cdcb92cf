import DaemonWire
import Contacts
import Identity

extension ContactBook {
    /// Applies Jami's rules to a request from a verified device of `account`.
    func received(_ request: TrustRequest, from account: PublicKeyID, device: PublicKeyID) async {
        guard account != context.account else { return }  // our own devices do not ask us for contact
        var request = request
        if request.payload.count > TrustRequest.maxPayload {
            context.logger.warning("dropping an oversized profile", metadata: ["peer": "\(account)", "bytes": "\(request.payload.count)"])
            request.payload = []
        }
        let (database, limit, now) = (context.database, pendingRequestLimit, context.scheduler.unixSeconds)
        let outcome: ContactRules.Outcome
        do {
            outcome = try database.write { db in
                let contact = try AccountDatabase.contact(account, in: db)
                let pending = try AccountDatabase.request(from: account, in: db)
                let count = try AccountDatabase.requestCount(in: db)
                let o = ContactRules.received(request, from: account, device: device, contact: contact, pending: pending,
                                              pendingCount: count, pendingLimit: limit, now: now)
                if let c = o.contact { try database.saveContact(account, c, in: db) }
                if let r = o.request { try database.saveRequest(r, in: db) }
                return o
            }
        } catch {
            context.logger.error("could not store a trust request", metadata: ["error": "\(error)"])
            context.emit(.storageFailed, peer: account) { $0.detail = "a trust request (it is shown again when it is received again)" }
            return
        }
        if let why = outcome.ignored {
            context.logger.info("trust request ignored", metadata: ["peer": "\(account)", "confirm": "\(request.confirm)", "reason": "\(why)"])
        }
        for event in outcome.events { publish(event) }
        guard let online = currentOnline else { return }
        if outcome.contact?.confirmed == true { await online.delivery.forget(account) }  // they answered
        if let conversationId = outcome.answer {
            context.logger.info("answering a known contact's request", metadata: ["peer": "\(account)"])
            await online.delivery.answer(TrustRequest(conversationId: conversationId, confirm: true), to: account)
        }
        if outcome.contact != nil || outcome.answer != nil { await online.presence.follow(account) }
    }
}
