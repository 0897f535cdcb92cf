import DaemonWire
import Contacts
import DHT
import Identity
import SecureDHT

/// Who is online: follows the device announcements at the keys of our contacts (and our own,
/// to find our other devices). An account is online while at least one of its announcements is
/// alive; they expire 10 minutes after the device stops refreshing them. Every new announcement
/// also goes to ``onAnnouncement`` (request delivery sends to new devices, the account learns
/// of its own).
public actor Presence {
    let context: AccountContext
    let node: SecureDHTNode
    /// A device announced by a followed account, with whether it is new this run.
    public typealias AnnouncementHandler = @Sendable (_ account: PublicKeyID, _ device: DeviceAnnouncement, _ isNewDevice: Bool) async -> Void
    private let onAnnouncement: AnnouncementHandler

    private struct Watch {
        var task: Task<Void, Never>
        var announcements: [UInt64: DeviceAnnouncement] = [:]
    }

    private var watched: [PublicKeyID: Watch] = [:]

    public init(context: AccountContext, node: SecureDHTNode, onAnnouncement: @escaping AnnouncementHandler) {
        self.context = context
        self.node = node
        self.onAnnouncement = onAnnouncement
    }

    /// Starts following `account`; the listen replays the announcements alive now.
    public func follow(_ account: PublicKeyID) {
        guard watched[account] == nil else { return }
        let stream = node.listen(InfoHash(account), query: Query(where: [.valueType(ValueType.userData.id)]))
        let task = context.scheduler.spawn { [weak self] in
            for await event in stream {
                guard let self else { return }
                await self.announcementEvent(event, of: account)
            }
        }
        watched[account] = Watch(task: task)
    }

    /// Stops following `account` (never our own); it is shown offline if it was online.
    public func unfollow(_ account: PublicKeyID) {
        guard account != context.account, let w = watched.removeValue(forKey: account) else { return }
        w.task.cancel()
        if !w.announcements.isEmpty { setPresence(account, online: false) }
    }

    /// Follows `account` anew, so the announcements alive now are replayed (a new request goes
    /// to each device).
    public func refollow(_ account: PublicKeyID) {
        unfollow(account)
        follow(account)
    }

    private func announcementEvent(_ event: ListenEvent, of account: PublicKeyID) async {
        guard watched[account] != nil else { return }
        switch event {
        case .added(let value):
            guard let a = try? DeviceAnnouncement(value: value, account: account) else { return }
            let wasOnline = watched[account]?.announcements.isEmpty == false
            let isNew = watched[account]?.announcements.values.contains { $0.device == a.device } == false
            watched[account]?.announcements[value.id] = a
            if account != context.account, !wasOnline { setPresence(account, online: true) }
            await onAnnouncement(account, a, isNew)
        case .expired(let valueID):
            guard watched[account]?.announcements.removeValue(forKey: valueID) != nil else { return }
            if account != context.account, watched[account]?.announcements.isEmpty == true { setPresence(account, online: false) }
        }
    }

    private func setPresence(_ account: PublicKeyID, online: Bool) {
        let (database, now) = (context.database, context.scheduler.unixSeconds)
        context.recording("the presence of \(account)") { () throws(DaemonError) in try database.savePresence(account, online: online, at: now) }
        context.emit(.presence, peer: account) { $0.online = online }
    }

    /// Whether `account` has a live announcement now (nil when we do not follow it).
    public func isOnline(_ account: PublicKeyID) -> Bool? {
        watched[account].map { !$0.announcements.isEmpty }
    }

    /// Every followed account (ours excepted), and whether it is online now.
    public func states() -> [PublicKeyID: Bool] {
        var states: [PublicKeyID: Bool] = [:]
        for (account, w) in watched where account != context.account { states[account] = !w.announcements.isEmpty }
        return states
    }

    /// The accounts followed and online now.
    public func online() -> Set<PublicKeyID> {
        Set(watched.filter { $0.key != context.account && !$0.value.announcements.isEmpty }.keys)
    }

    /// The devices announced now by the accounts we follow (other than ours), in a stable order.
    public func announced() -> [(account: PublicKeyID, device: DeviceAnnouncement)] {
        var all: [(account: PublicKeyID, device: DeviceAnnouncement)] = []
        for (account, w) in watched where account != context.account {
            var seen = Set<PublicKeyID>()
            for a in w.announcements.values.sorted(by: { $0.device < $1.device }) where seen.insert(a.device).inserted { all.append((account, a)) }
        }
        return all.sorted { ($0.account, $0.device.device) < ($1.account, $1.device.device) }
    }

    /// Stops following everyone, recording that the contacts online now were seen until now.
    public func stop() {
        let online = online().sorted()
        if !online.isEmpty {
            let (database, now) = (context.database, context.scheduler.unixSeconds)
            context.recording("when contacts were last seen") { () throws(DaemonError) in try database.touchPresence(online, at: now) }
        }
        for w in watched.values { w.task.cancel() }
        watched = [:]
    }
}
