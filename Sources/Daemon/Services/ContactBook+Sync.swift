import AccountSync
import Contacts
import Identity

/// Contacts and trust requests from another device of the account (a `sync://` message).
extension ContactBook {
    /// Merges the other device's view of each contact with ours (Jami's rules: the later
    /// `added` with its conversation, the later `removed` with its ban, either confirmation).
    /// A contact that becomes active is followed; one that stops being is not. Returns the
    /// contacts whose state changed.
    @discardableResult
    func merge(_ theirs: [PublicKeyID: Contact]) async throws(DaemonError) -> [PublicKeyID] {
        var changed: [(PublicKeyID, Contact, Bool)] = []
        try database.write { db in
            for (peer, contact) in theirs where peer != context.account {
                let ours = try AccountDatabase.contact(peer, in: db)
                let merged = ours.map { $0.merged(with: contact) } ?? contact
                guard merged != ours else { continue }
                try database.saveContact(peer, merged, in: db)
                if !merged.isActive { try database.deleteRequest(from: peer, in: db) }
                changed.append((peer, merged, ours?.isActive ?? false))
            }
        }
        for (peer, c, wasActive) in changed {
            if c.isActive {
                if !wasActive { await currentOnline?.presence.follow(peer) }
                publish(.contactAdded(peer, confirmed: c.confirmed))
            } else {
                if wasActive { await currentOnline?.presence.unfollow(peer) }
                publish(.contactRemoved(peer, banned: c.isBanned))
            }
        }
        return changed.map(\.0)
    }

    /// Pending requests another device of the account has: kept when we have neither that
    /// contact nor a request from them (no payload: sync carries none).
    func mergeRequests(_ theirs: [PublicKeyID: DeviceSync.Request]) throws(DaemonError) {
        var added: [IncomingRequest] = []
        try database.write { db in
            for (peer, r) in theirs where peer != context.account && !r.deviceKey.isEmpty {
                guard try AccountDatabase.contact(peer, in: db) == nil, try AccountDatabase.request(from: peer, in: db) == nil else { continue }
                let request = IncomingRequest(from: peer, device: PublicKeyID(spki: r.deviceKey), conversationId: r.conversationId, received: r.received, payload: [])
                try database.saveRequest(request, in: db)
                added.append(request)
            }
        }
        for r in added { publish(.requestReceived(r)) }
    }
}
