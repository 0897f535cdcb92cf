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
            let isNew = watched[account]?.announcements.values.contains(a.device) == false
            watched[account]?.announcements[value.id] = a.device
            if account == id {
                if a.device != device.shortID, isNew, (try? await validatedDevice(a.device, of: id)) != nil {
                    emit(.deviceFound, peer: id) { $0.device = a.device.hex }
                }
                return
            }
            if !wasOnline { setPresence(account, online: true) }
            await deliverPendingRequest(to: account, device: a.device)
        case .expired(let valueID):
            guard watched[account]?.announcements.removeValue(forKey: valueID) != nil else { return }
            if account != id, watched[account]?.announcements.isEmpty == true { setPresence(account, online: false) }
        }
    }

    /// Sends our pending requests to the devices already seen (once we are published).
    func deliverPendingRequests() async {
        for (account, w) in watched where account != id {
            for device in Set(w.announcements.values) { await deliverPendingRequest(to: account, device: device) }
        }
    }

    private func setPresence(_ account: PublicKeyID, online: Bool) {
        try? database.savePresence(account, online: online, at: WallClock.unixSeconds)
        emit(.presence, peer: account) { $0.online = online }
    }

    /// Whether `account` has a live announcement now (nil when we do not follow it).
    func isOnline(_ account: PublicKeyID) -> Bool? {
        watched[account].map { !$0.announcements.isEmpty }
    }

    /// Sends our request to a newly seen device of a contact who has not accepted yet.
    func deliverPendingRequest(to account: PublicKeyID, device target: PublicKeyID) async {
        // Until our certificate is on the DHT, the peer could not check the request.
        guard state == .registered, let contact = try? database.contact(account), contact.isActive, !contact.confirmed,
              requestSentTo[account]?.contains(target) != true
        else { return }
        requestSentTo[account, default: []].insert(target)
        do {
            try await validatedDevice(target, of: account)
        } catch {
            logger.info("not sending a request to an invalid device", metadata: ["device": "\(target)", "reason": "\(error)"])
            return
        }
        let request = TrustRequest(conversationId: contact.conversationId, payload: profile())
        if await send(request, to: [target]).isEmpty {
            requestSentTo[account]?.remove(target)  // try again when it is announced again
        } else {
            emit(.requestSent, peer: account) { $0.device = target.hex }
        }
    }
}
