import Contacts
import DHT
import DHTTransport
import Identity
import SecureDHT

/// Our trust requests, until the peer answers. The request to each device of the peer is sealed
/// once (signed, encrypted to that device) and put in its inbox; then put again, the same value,
/// on a growing schedule (``DeliverySchedule``): every new put looks the inbox's nodes up again,
/// so it reaches the nodes the receiver listens on even when the first put did not, and the
/// receiver, who remembers the value id, shows it once. The schedule is kept in the database
/// (``AccountDatabase/OutgoingRequest``), so a restart resumes it; the peer's answer, accepting
/// their request, or removing them ends it.
extension AccountRuntime {
    /// A request on its way to one device: signed and encrypted (to the announced key) while
    /// the device's certificate chain is checked, put only if the check passes.
    struct PendingDelivery {
        var account: PublicKeyID
        var announcement: DeviceAnnouncement
        var sealing: Task<Value, any Error>
        var device: PublicKeyID { announcement.device }
    }

    /// Starts sending our request to a newly seen device of a contact who has not accepted yet;
    /// nil when there is nothing to send (or it is already on its schedule). The RSA work starts
    /// here, before anything else waits.
    func startDelivery(to account: PublicKeyID, device announcement: DeviceAnnouncement) -> PendingDelivery? {
        let target = announcement.device
        // Until our certificate is on the DHT, the peer could not check the request.
        guard state == .registered, let node, let contact = try? database.contact(account), contact.isActive, !contact.confirmed,
              requestSentTo[account]?.contains(target) != true, outgoing[OutgoingKey(account, target)] == nil
        else { return nil }
        requestSentTo[account, default: []].insert(target)
        let value = TrustRequest(conversationId: contact.conversationId, payload: profile()).value()
        node.node.prepare(Self.inbox(of: target))  // the inbox's nodes are found while the value is sealed
        // Detached: the RSA work must not hold this actor while the chain check waits on the DHT.
        let sealing = Task.detached { () async throws -> Value in try node.sealed(value, to: try await Self.encryptionKey(of: announcement, node: node)) }
        return PendingDelivery(account: account, announcement: announcement, sealing: sealing)
    }

    func finishDelivery(_ d: PendingDelivery) async {
        do {
            try await validatedDevice(d.device, of: d.account)
        } catch {
            d.sealing.cancel()
            logger.info("not sending a request to this device yet", metadata: ["device": "\(d.device)", "reason": "\(error)"])
            // A certificate not found yet may be found later; an invalid one stays invalid.
            if error.code == .network {
                requestSentTo[d.account]?.remove(d.device)
                validateAgain(d)
            }
            return
        }
        validationAttempts[OutgoingKey(d.account, d.device)] = nil
        let value: Value
        do {
            value = try await d.sealing.value
        } catch {
            logger.warning("could not seal a trust request", metadata: ["device": "\(d.device)", "error": "\(error)"])
            requestSentTo[d.account]?.remove(d.device)  // try again when it is announced again
            return
        }
        // On the schedule before the first put: a put that fails, or reaches nobody, is retried.
        keep(AccountDatabase.OutgoingRequest(peer: d.account, device: d.device, value: value.packed(), attempts: 1,
                                             nextAttempt: WallClock.unixMilliseconds + settings.delivery.delay(afterAttempt: 1)))
        let storedOn = await put(value, to: d.device)
        logger.info("trust request put", metadata: ["device": "\(d.device)", "storedOn": "\(storedOn)", "value": "\(value.id)"])
        if storedOn > 0 { emit(.requestSent, peer: d.account) { $0.device = d.device.hex } }
    }

    /// The device's certificate was not found (the device may have announced itself before its
    /// certificate reached the DHT, or the nodes holding it left): looks again on the delivery
    /// schedule rather than wait for the device's next announcement, up to 10 minutes away.
    private func validateAgain(_ d: PendingDelivery) {
        let key = OutgoingKey(d.account, d.device)
        let attempt = (validationAttempts[key] ?? 0) + 1
        guard attempt < settings.delivery.attempts else {
            validationAttempts[key] = nil
            logger.info("giving up on this device's certificate until it is announced again", metadata: ["device": "\(d.device)"])
            return
        }
        validationAttempts[key] = attempt
        let wait = Duration.milliseconds(settings.delivery.delay(afterAttempt: attempt))
        tasks.append(Task { [weak self] in
            try? await Task.sleep(for: wait)
            guard !Task.isCancelled, let self, let again = await self.startDelivery(to: d.account, device: d.announcement) else { return }
            await self.finishDelivery(again)
        })
    }

    /// Sends our pending requests to the devices already seen (once we are published).
    func deliverPendingRequests() async {
        for (account, w) in watched where account != id {
            for device in Set(w.announcements.values) {
                if let delivery = startDelivery(to: account, device: device) { await finishDelivery(delivery) }
            }
        }
    }

    // MARK: the schedule

    struct OutgoingKey: Hashable {
        var peer: PublicKeyID
        var device: PublicKeyID
        init(_ peer: PublicKeyID, _ device: PublicKeyID) { (self.peer, self.device) = (peer, device) }
    }

    /// Loads the deliveries a previous run left (once we are announced) and starts the timer.
    func resumeDeliveries() {
        do {
            for r in try database.outgoing() { outgoing[OutgoingKey(r.peer, r.device)] = r }
        } catch {
            logger.error("cannot read the requests being delivered", metadata: ["error": "\(error)"])
        }
        if !outgoing.isEmpty { logger.info("resuming request deliveries", metadata: ["count": "\(outgoing.count)"]) }
        scheduleRetries()
    }

    /// Stops delivering our request to `peer` (they answered, we accepted theirs, or removed them).
    func forgetDeliveries(to peer: PublicKeyID) {
        requestSentTo[peer] = nil
        validationAttempts = validationAttempts.filter { $0.key.peer != peer }
        guard outgoing.keys.contains(where: { $0.peer == peer }) else { return }
        outgoing = outgoing.filter { $0.key.peer != peer }
        do {
            try database.deleteOutgoing(peer: peer)
        } catch {
            logger.error("could not forget a delivered request", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
        scheduleRetries()
    }

    private func keep(_ r: AccountDatabase.OutgoingRequest) {
        record(r)
        scheduleRetries()
    }

    private func record(_ r: AccountDatabase.OutgoingRequest) {
        outgoing[OutgoingKey(r.peer, r.device)] = r
        do {
            try database.saveOutgoing(r)
        } catch {
            logger.error("could not record a request being delivered; a restart will not resume it", metadata: ["error": "\(error)"])
        }
    }

    private func drop(_ key: OutgoingKey) {
        outgoing[key] = nil
        do {
            try database.deleteOutgoing(peer: key.peer, device: key.device)
        } catch {
            logger.error("could not forget a delivered request", metadata: ["peer": "\(key.peer)", "error": "\(error)"])
        }
    }

    /// One timer for all deliveries: it sleeps until the soonest is due.
    private func scheduleRetries() {
        retryTimer?.cancel()
        guard state == .registered, let soonest = outgoing.values.map(\.nextAttempt).min() else { return }
        let wait = Duration.milliseconds(max(0, soonest - WallClock.unixMilliseconds))
        retryTimer = Task { [weak self] in
            try? await Task.sleep(for: wait)
            guard !Task.isCancelled else { return }
            await self?.retryDue()
        }
    }

    /// Puts each due request again, or drops it when the peer answered meanwhile or it has had
    /// all its attempts.
    private func retryDue() async {
        let now = WallClock.unixMilliseconds
        var due: [(AccountDatabase.OutgoingRequest, Value)] = []
        for (key, var r) in outgoing where r.nextAttempt <= now {
            let contact: Contact?
            do {
                contact = try database.contact(key.peer)
            } catch {
                // Unreadable now is not an answer: keep the request, look again at its next time.
                logger.error("cannot read a contact to deliver our request", metadata: ["peer": "\(key.peer)", "error": "\(error)"])
                r.nextAttempt = now + settings.delivery.delay(afterAttempt: r.attempts)
                record(r)
                continue
            }
            guard let contact, contact.isActive, !contact.confirmed else {
                drop(key)
                continue
            }
            guard let value = try? Value(packed: r.value) else {
                logger.error("dropping an unreadable request being delivered", metadata: ["peer": "\(key.peer)", "device": "\(key.device)"])
                drop(key)
                continue
            }
            r.attempts += 1
            if r.attempts >= settings.delivery.attempts {
                logger.info("last attempt to deliver a trust request; it is sent again if the device is announced again",
                            metadata: ["peer": "\(key.peer)", "device": "\(key.device)"])
                drop(key)
                requestSentTo[key.peer]?.remove(key.device)
            } else {
                r.nextAttempt = now + settings.delivery.delay(afterAttempt: r.attempts)
                record(r)
            }
            due.append((r, value))
        }
        scheduleRetries()
        guard !due.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            for (r, value) in due {
                group.addTask { [weak self] in
                    let storedOn = await self?.put(value, to: r.device) ?? 0
                    self?.logger.info("trust request put again", metadata: ["device": "\(r.device)", "attempt": "\(r.attempts)", "storedOn": "\(storedOn)"])
                }
            }
        }
    }

    /// Puts a sealed request in `device`'s inbox; returns how many nodes acknowledged it.
    private func put(_ value: Value, to device: PublicKeyID) async -> Int {
        do {
            return try await requireNode().node.put(Self.inbox(of: device), value)
        } catch {
            logger.warning("could not send a trust request", metadata: ["device": "\(device)", "error": "\(error)"])
            return 0
        }
    }
}
