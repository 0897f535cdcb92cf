import Contacts
import DaemonWire
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
}
