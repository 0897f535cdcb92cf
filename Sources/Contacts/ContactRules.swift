import Identity

/// Jami's contact state machine (protocol §2.4) as pure functions: each takes the stored records
/// and returns the records to store, the answer to send and what to tell the user. The daemon
/// does the I/O, so the rules are tested without a network or a database.
public enum ContactRules {
    /// What receiving a (verified) trust request leads to.
    public struct Outcome: Sendable, Equatable {
        /// The contact record to store, when it changed.
        public var contact: Contact?
        /// The pending request to store (new or refreshed).
        public var request: IncomingRequest?
        /// Send `confirm=true` with this conversation id to all of the sender's devices.
        public var answer: String?
        public var events: [ContactEvent] = []
        /// Why nothing was done, for the log.
        public var ignored: String?
    }

    /// A request or confirmation from account `from`, sent by its device `device`.
    /// - Parameters:
    ///   - pendingCount: requests already pending from other accounts;
    ///   - pendingLimit: past it a stranger's new request is dropped (a flood must not grow the store).
    public static func received(
        _ request: TrustRequest, from: PublicKeyID, device: PublicKeyID, contact: Contact?, pending: IncomingRequest?,
        pendingCount: Int, pendingLimit: Int, now: Int64
    ) -> Outcome {
        var out = Outcome()
        if let contact, contact.isBanned {
            out.ignored = "sender is banned"
            return out
        }
        if let original = contact, original.isActive {
            var contact = original
            if !contact.confirmed {
                contact.confirmed = true
                out.events.append(.contactConfirmed(from))
            }
            if contact.conversationId.isEmpty && !request.conversationId.isEmpty {
                contact.conversationId = request.conversationId
            }
            if contact != original { out.contact = contact }
            // Already a contact: answer a request automatically, with the conversation we keep.
            if !request.confirm {
                out.answer = contact.conversationId.isEmpty ? request.conversationId : contact.conversationId
            }
            return out
        }
        if request.confirm {
            out.ignored = "confirmation from an account that is not a contact"
            return out
        }
        if let pending {
            // The same request again (it lives 7 days on the DHT): keep the earliest, as Jami does,
            // but take a newer profile or conversation.
            var refreshed = pending
            refreshed.device = device
            refreshed.payload = request.payload
            refreshed.conversationId = request.conversationId
            if refreshed == pending {
                out.ignored = "request already pending"
                return out
            }
            out.request = refreshed
            return out
        }
        guard pendingCount < pendingLimit else {
            out.ignored = "\(pendingLimit) requests already pending"
            return out
        }
        let new = IncomingRequest(from: from, device: device, conversationId: request.conversationId, received: now, payload: request.payload)
        out.request = new
        out.events.append(.requestReceived(new))
        return out
    }

    /// Adding `peer` (sending a request): the contact record to store.
    public static func add(_ contact: Contact?, conversationId: String, now: Int64) -> Contact {
        var c = contact ?? Contact()
        c.added = max(now, c.removed + 1)
        c.banned = false
        if !conversationId.isEmpty || c.conversationId.isEmpty { c.conversationId = conversationId }
        return c
    }

    /// Accepting a pending request: the confirmed contact, linked to the request's conversation.
    public static func accept(_ request: IncomingRequest, contact: Contact?, now: Int64) -> Contact {
        var c = contact ?? Contact()
        c.added = max(now, c.removed + 1)
        c.banned = false
        c.confirmed = true
        c.conversationId = request.conversationId
        return c
    }

    /// Removing (or banning) `contact`; banning someone unknown creates a banned record.
    public static func remove(_ contact: Contact?, ban: Bool, now: Int64) -> Contact {
        var c = contact ?? Contact()
        c.removed = max(now, c.added)
        c.confirmed = false
        c.banned = ban
        return c
    }

    /// Lifting a ban: the contact stays removed, and may be added again.
    public static func unban(_ contact: Contact) -> Contact {
        var c = contact
        c.banned = false
        return c
    }
}

/// What the user is told about contacts.
public enum ContactEvent: Sendable, Hashable {
    case requestReceived(IncomingRequest)
    case contactAdded(PublicKeyID, confirmed: Bool)
    case contactConfirmed(PublicKeyID)
    case contactRemoved(PublicKeyID, banned: Bool)
}
