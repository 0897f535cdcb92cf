import Contacts
import DHT
import DHTTransport
import Identity

extension AccountRuntime {
    /// Follows the announcements at `account`'s key (a contact's, or our own to find our other
    /// devices). An account is online while at least one of its announcements is alive; they
    /// expire 10 minutes after the device stops refreshing them.
    func watch(_ account: PublicKeyID) {
        guard watched[account] == nil, let node else { return }
        let stream = node.listen(InfoHash(account), query: Query(where: [.valueType(ValueType.userData.id)]))
        let task = Task { [weak self] in
            for await event in stream {
                guard let self else { return }
                await self.announcementEvent(event, of: account)
            }
        }
        watched[account] = Watch(task: task)
    }

    /// Reads `account`'s announcements once, beside a new ``watch(_:)``, to send our request
    /// sooner: a get's first answer comes back a round trip after it is sent, while the listen's
    /// values wait for its lookup to reach all the closest nodes. Presence stays the listen's
    /// business (it also reports expiries); a device reached this way is not sent to twice.
    func lookUpAnnouncements(_ account: PublicKeyID) {
        guard let node else { return }
        Task { [weak self] in
            _ = try? await node.get(InfoHash(account), query: Query(where: [.valueType(ValueType.userData.id)])) { [weak self] batch in
                Task { for value in batch { await self?.deliver(toAnnouncedIn: value, of: account) } }
            }
        }
    }

    private func deliver(toAnnouncedIn value: Value, of account: PublicKeyID) async {
        guard account != id, watched[account] != nil, let a = try? DeviceAnnouncement(value: value, account: account),
              let delivery = startDelivery(to: account, device: a)
        else { return }
        await finishDelivery(delivery)
    }

    func unwatch(_ account: PublicKeyID) {
        guard account != id, let w = watched.removeValue(forKey: account) else { return }
        w.task.cancel()
        if !w.announcements.isEmpty { setPresence(account, online: false) }
    }

    private func announcementEvent(_ event: ListenEvent, of account: PublicKeyID) async {
        guard watched[account] != nil else { return }
        switch event {
        case .added(let value):
            guard let a = try? DeviceAnnouncement(value: value, account: account) else { return }
            let wasOnline = watched[account]?.announcements.isEmpty == false
            let isNew = watched[account]?.announcements.values.contains { $0.device == a.device } == false
            watched[account]?.announcements[value.id] = a
            if account == id {
                if a.device != device.shortID, isNew, (try? await validatedDevice(a.device, of: id)) != nil {
                    emit(.deviceFound, peer: id) { $0.device = a.device.hex }
                }
                return
            }
            let delivery = startDelivery(to: account, device: a)
            if !wasOnline { setPresence(account, online: true) }
            if let delivery { await finishDelivery(delivery) }
        case .expired(let valueID):
            guard watched[account]?.announcements.removeValue(forKey: valueID) != nil else { return }
            if account != id, watched[account]?.announcements.isEmpty == true { setPresence(account, online: false) }
        }
    }

    /// Sends our pending requests to the devices already seen (once we are published).
    func deliverPendingRequests() async {
        for (account, w) in watched where account != id {
            for device in Set(w.announcements.values) {
                if let delivery = startDelivery(to: account, device: device) { await finishDelivery(delivery) }
            }
        }
    }

    private func setPresence(_ account: PublicKeyID, online: Bool) {
        do {
            try database.savePresence(account, online: online, at: WallClock.unixSeconds)
        } catch {
            logger.error("could not record presence", metadata: ["peer": "\(account)", "error": "\(error)"])
        }
        emit(.presence, peer: account) { $0.online = online }
    }

    /// Whether `account` has a live announcement now (nil when we do not follow it).
    func isOnline(_ account: PublicKeyID) -> Bool? {
        watched[account].map { !$0.announcements.isEmpty }
    }

    /// The accounts seen so far, for `GET /v1/accounts/{id}/presence`: online only once this
    /// run's DHT listen has seen a live announcement (what was stored says when they were last
    /// seen, not that they are online now).
    public func presence() throws(DaemonError) -> [API.Presence] {
        let now = WallClock.unixSeconds
        return try database.presence().map { account, row in
            if isOnline(account) == true { return API.Presence(id: account.hex, online: true, changed: row.changed, lastSeen: now) }
            // Stored online: online then, unknown since, so the last change we know of is when
            // it was last seen.
            return API.Presence(id: account.hex, online: false, changed: row.online ? row.lastSeen ?? row.changed : row.changed, lastSeen: row.lastSeen)
        }
        .sorted { $0.id < $1.id }
    }

    /// Records that the contacts online now were seen until now, before we stop following them.
    func recordLastSeen() {
        let online = watched.filter { $0.key != id && !$0.value.announcements.isEmpty }.map(\.key)
        guard !online.isEmpty else { return }
        do {
            try database.touchPresence(online, at: WallClock.unixSeconds)
        } catch {
            logger.error("could not record when contacts were last seen", metadata: ["error": "\(error)"])
        }
    }

    /// A request on its way to one device: signed and encrypted (to the announced key) while
    /// the device's certificate chain is checked, put only if the check passes.
    struct PendingDelivery {
        var account: PublicKeyID
        var device: PublicKeyID
        var sealing: Task<Value, any Error>
    }

    /// Starts sending our request to a newly seen device of a contact who has not accepted yet;
    /// nil when there is nothing to send. The RSA work starts here, before anything else waits.
    func startDelivery(to account: PublicKeyID, device announcement: DeviceAnnouncement) -> PendingDelivery? {
        let target = announcement.device
        // Until our certificate is on the DHT, the peer could not check the request.
        guard state == .registered, let node, let contact = try? database.contact(account), contact.isActive, !contact.confirmed,
              requestSentTo[account]?.contains(target) != true
        else { return nil }
        requestSentTo[account, default: []].insert(target)
        let value = TrustRequest(conversationId: contact.conversationId, payload: profile()).value()
        node.node.prepare(Self.inbox(of: target))  // the inbox's nodes are found while the value is sealed
        // Detached: the RSA work must not hold this actor while the chain check waits on the DHT.
        let sealing = Task.detached { () async throws -> Value in try node.sealed(value, to: try await Self.encryptionKey(of: announcement, node: node)) }
        return PendingDelivery(account: account, device: target, sealing: sealing)
    }

    func finishDelivery(_ d: PendingDelivery) async {
        do {
            try await validatedDevice(d.device, of: d.account)
        } catch {
            d.sealing.cancel()
            logger.info("not sending a request to this device", metadata: ["device": "\(d.device)", "reason": "\(error)"])
            // A certificate not found yet may be found when the device is announced again; an
            // invalid one stays invalid.
            if case .network = error { requestSentTo[d.account]?.remove(d.device) }
            return
        }
        do {
            try await requireNode().node.put(Self.inbox(of: d.device), d.sealing.value)
            emit(.requestSent, peer: d.account) { $0.device = d.device.hex }
        } catch {
            logger.warning("could not send a trust request", metadata: ["device": "\(d.device)", "error": "\(error)"])
            requestSentTo[d.account]?.remove(d.device)  // try again when it is announced again
        }
    }
}
