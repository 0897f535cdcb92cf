import Contacts
import DHT
import GRDB
import Identity
import SecureDHT

extension AccountRuntime {
    /// Certificate lookups retried (after 3, 6 and 12 s) before a request is given up.
    static let certificateRetries = 3

    /// Listens on our inbox for trust requests and on our `peer:` key for connection requests.
    /// ``SecureDHTNode`` has already decrypted each value and checked its signature; values it
    /// could not (not for us, forged, corrupted) never get here.
    func listenInbox(on node: SecureDHTNode) {
        let inbox = node.listen(Self.inbox(of: device.shortID))
        tasks.append(Task { [weak self] in
            for await event in inbox {
                guard case .added(let value) = event, let self else { continue }
                await self.inboxValue(value)
            }
        })
        let peer = node.listen(.hashing(key: "peer:" + device.shortID.hex))
        tasks.append(Task { [weak self] in
            for await event in peer {
                guard case .added(let value) = event, let self else { continue }
                await self.connectionRequest(value)
            }
        })
    }

    /// One decrypted inbox value: a trust request or confirmation, else ignored.
    func inboxValue(_ value: Value, attempt: Int = 0) async {
        guard let device = value.ownerID.flatMap({ PublicKeyID(bytes: $0.bytes) }) else { return }
        var log = logger
        log[metadataKey: "device"] = "\(device)"
        log[metadataKey: "value"] = "\(value.id)"
        if (try? database.hasSeenInboxValue(value.id)) == true { return }
        guard value.type == ValueType.trustRequest.id else {
            log.info("ignoring an inbox value of type \(value.type) (legacy messages and device sync are not supported)")
            _ = try? database.markInboxValueSeen(value.id, now: WallClock.unixSeconds)
            return
        }
        let request: TrustRequest
        do {
            request = try TrustRequest(decoding: value.data)
        } catch {
            log.warning("dropped a trust request", metadata: ["reason": "\(error)"])
            _ = try? database.markInboxValueSeen(value.id, now: WallClock.unixSeconds)
            return
        }
        let sender: ValidatedDevice
        do {
            sender = try await validatedDevice(device, record: false)
        } catch {
            // A missing certificate may show up later (the value is seen again after a restart);
            // an invalid one will not.
            if error.code == .network, attempt < Self.certificateRetries {
                // The sender may have put the request before its certificate reached the DHT.
                log.info("sender's certificate not found yet; retrying", metadata: ["attempt": "\(attempt + 1)"])
                tasks.append(Task { [weak self] in
                    try? await Task.sleep(for: .seconds(3 << attempt))
                    await self?.inboxValue(value, attempt: attempt + 1)
                })
                return
            }
            log.warning("dropped a trust request from an unverifiable device", metadata: ["reason": "\(error)"])
            if error.code == .invalid { _ = try? database.markInboxValueSeen(value.id, now: WallClock.unixSeconds) }
            return
        }
        await received(request, from: sender.account, device: device)
        // After the request is shown: neither write is needed for that.
        recordDevice(sender)
        _ = try? database.markInboxValueSeen(value.id, now: WallClock.unixSeconds)
    }

    /// Applies Jami's rules to a request from a verified device of `account`.
    func received(_ request: TrustRequest, from account: PublicKeyID, device: PublicKeyID) async {
        guard account != id else { return }  // our own devices do not ask us for contact
        var request = request
        if request.payload.count > TrustRequest.maxPayload {
            logger.warning("dropping an oversized profile", metadata: ["peer": "\(account)", "bytes": "\(request.payload.count)"])
            request.payload = []
        }
        let outcome: ContactRules.Outcome
        do {
            outcome = try database.write { db in
                let contact = try AccountDatabase.contact(account, in: db)
                let pending = try AccountDatabase.request(from: account, in: db)
                let count = try AccountDatabase.requestCount(in: db)
                let o = ContactRules.received(request, from: account, device: device, contact: contact, pending: pending,
                                              pendingCount: count, pendingLimit: settings.pendingRequestLimit, now: WallClock.unixSeconds)
                if let c = o.contact { try database.saveContact(account, c, in: db) }
                if let r = o.request { try database.saveRequest(r, in: db) }
                return o
            }
        } catch {
            logger.error("could not store a trust request", metadata: ["error": "\(error)"])
            return
        }
        if let why = outcome.ignored {
            logger.info("trust request ignored", metadata: ["peer": "\(account)", "confirm": "\(request.confirm)", "reason": "\(why)"])
        }
        for event in outcome.events { publish(event) }
        if outcome.contact?.confirmed == true { forgetDeliveries(to: account) }  // they answered
        if let conversationId = outcome.answer {
            logger.info("answering a known contact's request", metadata: ["peer": "\(account)"])
            await sendAnswer(to: account, conversationId: conversationId)
        }
        if outcome.contact != nil || outcome.answer != nil { watch(account) }
    }

    /// Sends `confirm=true` to every device of `account`.
    func sendAnswer(to account: PublicKeyID, conversationId: String) async {
        guard let devices = try? await devices(of: account) else { return }
        _ = await send(TrustRequest(conversationId: conversationId, confirm: true), to: devices)
    }

    func publish(_ event: ContactEvent) {
        switch event {
        case .requestReceived(let r):
            emit(.requestReceived, peer: r.from) { e in
                e.device = r.device.hex
                e.conversationId = r.conversationId
                e.displayName = VCard.displayName(in: r.payload)
            }
        case .contactAdded(let peer, let confirmed):
            emit(.contactAdded, peer: peer) { $0.confirmed = confirmed }
        case .contactConfirmed(let peer):
            emit(.contactConfirmed, peer: peer) { $0.confirmed = true }
        case .contactRemoved(let peer, let banned):
            emit(.contactRemoved, peer: peer) { $0.banned = banned }
        }
    }

    /// Someone wants a P2P connection (to clone the 1:1 conversation, call, …). Without a
    /// connection manager yet, the request is left unanswered; the peer gives up after 30 s.
    func connectionRequest(_ value: Value) async {
        guard value.userType == "peer_request", let device = value.ownerID.flatMap({ PublicKeyID(bytes: $0.bytes) }) else { return }
        logger.info("connection request left unanswered (no connection manager yet)", metadata: ["device": "\(device)"])
        emit(.connectionRefused) { e in
            e.device = device.hex
            e.detail = "connection requests are not supported yet"
        }
    }
}
