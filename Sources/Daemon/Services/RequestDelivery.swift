import DaemonWire
import Contacts
import DHT
import Identity
import SecureDHT

/// Our trust requests, until the peer answers, and our answers. The request to each device of
/// the peer is sealed once (signed, encrypted to that device) and put in its inbox; then put
/// again, the same value, on a growing schedule (``DeliverySchedule``): every new put looks the
/// inbox's nodes up again, so it reaches the nodes the receiver listens on even when the first
/// put did not, and the receiver, who remembers the value id, shows it once. The schedule is
/// kept in the database (``AccountDatabase/OutgoingRequest``), so a restart resumes it; the
/// peer's answer, accepting their request, or removing them ends it (``forget(_:)``).
public actor RequestDelivery {
    let context: AccountContext
    let node: SecureDHTNode
    let directory: DeviceDirectory
    let schedule: DeliverySchedule
    /// What to ask `account` now: our pending request, or nil when nothing is to be sent (no
    /// such contact, removed, or already confirmed). Read at every step, so a change stops it.
    let pendingRequest: @Sendable (PublicKeyID) throws(DaemonError) -> TrustRequest?

    /// Set once our certificate is on the DHT: until then the peer could not check a request.
    private var active = false
    var isActive: Bool { active }
    /// Devices our pending request is being sealed or sent to, this session.
    private var sentTo: [PublicKeyID: Set<PublicKeyID>] = [:]
    /// Requests on their schedule, per device.
    var outgoing: [OutgoingKey: AccountDatabase.OutgoingRequest] = [:]
    var retryTimer: Task<Void, Never>?
    /// Lookups of a device's certificate that found nothing, for the next one's delay.
    private var validationAttempts: [OutgoingKey: Int] = [:]
    private var tasks: [Task<Void, Never>] = []

    public init(context: AccountContext, node: SecureDHTNode, directory: DeviceDirectory, schedule: DeliverySchedule,
                pendingRequest: @escaping @Sendable (PublicKeyID) throws(DaemonError) -> TrustRequest?) {
        self.context = context
        self.node = node
        self.directory = directory
        self.schedule = schedule
        self.pendingRequest = pendingRequest
    }

    struct OutgoingKey: Hashable {
        var peer: PublicKeyID
        var device: PublicKeyID
        init(_ peer: PublicKeyID, _ device: PublicKeyID) { (self.peer, self.device) = (peer, device) }
    }

    /// A request on its way to one device: signed and encrypted (to the announced key) while
    /// the device's certificate chain is checked, put only if the check passes.
    struct PendingDelivery {
        var account: PublicKeyID
        var announcement: DeviceAnnouncement
        var sealing: Task<Value, any Error>
        var device: PublicKeyID { announcement.device }
    }

    /// Starts delivering, once we are published: resumes the schedule a previous run left and
    /// sends to the devices already seen.
    public func start(seen: [(account: PublicKeyID, device: DeviceAnnouncement)]) async {
        active = true
        resume()
        for (account, device) in seen { await deviceAnnounced(device, of: account, appeared: true) }
    }

    public func stop() {
        active = false
        retryTimer?.cancel()
        retryTimer = nil
        for t in tasks { t.cancel() }
        tasks = []
    }

    /// A device of `account` is announced (a listen, a lookup): our pending request goes to it.
    /// `appeared` says it was not announced a moment ago (it came online, or we did): a request
    /// already on its schedule is put again at once rather than at its next attempt, which may
    /// be an hour away, and its schedule starts over.
    public func deviceAnnounced(_ announcement: DeviceAnnouncement, of account: PublicKeyID, appeared: Bool = false) async {
        let key = OutgoingKey(account, announcement.device)
        if appeared, var scheduled = outgoing[key], active {
            // Answered meanwhile, or unreadable: the schedule's next step sorts it out.
            guard (try? pendingRequest(account)) != nil, let value = try? Value(packed: scheduled.value) else { return }
            scheduled.attempts = 1
            scheduled.nextAttempt = context.scheduler.unixMilliseconds + schedule.delay(afterAttempt: 1)
            keep(scheduled)
            let storedOn = await put(value, to: announcement.device)
            context.logger.info("trust request put again: the device is back", metadata: ["device": "\(announcement.device)", "storedOn": "\(storedOn)"])
            return
        }
        guard let delivery = startDelivery(to: account, device: announcement) else { return }
        await finishDelivery(delivery)
    }

    /// Reads `account`'s announcements once, to send our request sooner than the presence
    /// listen would: a get's first answer comes back a round trip after it is sent, while the
    /// listen's values wait for its lookup to reach all the closest nodes. A device reached
    /// both ways is sent to once.
    public func lookUp(_ account: PublicKeyID) {
        let node = node
        tasks.append(context.scheduler.spawn { [weak self] in
            let values = (try? await node.get(InfoHash(account), query: Query(where: [.valueType(ValueType.userData.id)]))) ?? []
            for value in values {
                guard let a = try? DeviceAnnouncement(value: value, account: account) else { continue }
                await self?.deviceAnnounced(a, of: account)
            }
        })
    }

    /// Starts sending our request to a newly seen device; nil when there is nothing to send
    /// (or it is already on its schedule). The RSA work starts here, before anything waits.
    private func startDelivery(to account: PublicKeyID, device announcement: DeviceAnnouncement) -> PendingDelivery? {
        let target = announcement.device
        guard active, account != context.account, sentTo[account]?.contains(target) != true, outgoing[OutgoingKey(account, target)] == nil
        else { return nil }
        let request: TrustRequest
        do {
            guard let pending = try pendingRequest(account) else { return nil }
            request = pending
        } catch {
            context.logger.error("cannot read the contact to send our request", metadata: ["peer": "\(account)", "error": "\(error)"])
            return nil
        }
        sentTo[account, default: []].insert(target)
        let value = request.value(id: context.scheduler.randomID())
        node.prepare(DeviceDirectory.inbox(of: target))  // the inbox's nodes are found while the value is sealed
        // Its own task: the RSA work must not hold this actor while the chain check waits on the DHT.
        let sealing = context.scheduler.spawnThrowing { [node] () async throws -> Value in
            try node.sealed(value, to: try await DeviceDirectory.encryptionKey(of: announcement, node: node))
        }
        return PendingDelivery(account: account, announcement: announcement, sealing: sealing)
    }

    private func finishDelivery(_ d: PendingDelivery) async {
        do {
            try await directory.validate(d.device, of: d.account)
        } catch {
            d.sealing.cancel()
            context.logger.info("not sending a request to this device yet", metadata: ["device": "\(d.device)", "reason": "\(error)"])
            // A certificate not found yet may be found later; an invalid one stays invalid.
            if error.code == .network {
                sentTo[d.account]?.remove(d.device)
                validateAgain(d)
            }
            return
        }
        validationAttempts[OutgoingKey(d.account, d.device)] = nil
        let value: Value
        do {
            value = try await d.sealing.value
        } catch {
            context.logger.warning("could not seal a trust request", metadata: ["device": "\(d.device)", "error": "\(error)"])
            sentTo[d.account]?.remove(d.device)  // try again when it is announced again
            return
        }
        // On the schedule before the first put: a put that fails, or reaches nobody, is retried.
        keep(AccountDatabase.OutgoingRequest(peer: d.account, device: d.device, value: value.packed(), attempts: 1,
                                             nextAttempt: context.scheduler.unixMilliseconds + schedule.delay(afterAttempt: 1)))
        let storedOn = await put(value, to: d.device)
        context.logger.info("trust request put", metadata: ["device": "\(d.device)", "storedOn": "\(storedOn)", "value": "\(value.id)"])
        if storedOn > 0 { context.emit(.requestSent, peer: d.account) { $0.device = d.device.hex } }
    }

    /// The device's certificate was not found (the device may have announced itself before its
    /// certificate reached the DHT, or the nodes holding it left): looks again on the delivery
    /// schedule rather than wait for the device's next announcement, up to 10 minutes away.
    private func validateAgain(_ d: PendingDelivery) {
        let key = OutgoingKey(d.account, d.device)
        let attempt = (validationAttempts[key] ?? 0) + 1
        guard attempt < schedule.attempts else {
            validationAttempts[key] = nil
            context.logger.info("giving up on this device's certificate until it is announced again", metadata: ["device": "\(d.device)"])
            return
        }
        validationAttempts[key] = attempt
        let wait = Duration.milliseconds(schedule.delay(afterAttempt: attempt))
        let scheduler = context.scheduler
        tasks.append(scheduler.spawn { [weak self] in
            guard (try? await scheduler.sleep(for: wait)) != nil else { return }
            await self?.deviceAnnounced(d.announcement, of: d.account)
        })
    }

    /// Waits before sending an answer again when it reached no device (its devices not found
    /// yet, say just after a restart): an answer is sent once otherwise, and a lost one left the
    /// asker unconfirmed until its own request came again.
    static let answerRetries: [Duration] = [.seconds(5), .seconds(20), .seconds(60)]

    /// Sends `request` (an answer) to every device of `account` announced now: one value per
    /// device, as Jami does, all at once; again later (``answerRetries``) while it reaches
    /// none. Returns the devices the first try reached.
    @discardableResult
    public func answer(_ request: TrustRequest, to account: PublicKeyID) async -> [PublicKeyID] {
        let reached = await answerOnce(request, to: account)
        guard reached.isEmpty else { return reached }
        let scheduler = context.scheduler
        tasks.append(scheduler.spawn { [weak self] in
            for delay in Self.answerRetries {
                guard (try? await scheduler.sleep(for: delay)) != nil, let self else { return }
                if await !self.answerOnce(request, to: account).isEmpty { return }
            }
        })
        return reached
    }

    private func answerOnce(_ request: TrustRequest, to account: PublicKeyID) async -> [PublicKeyID] {
        let devices: [DeviceAnnouncement]
        do {
            devices = try await directory.devices(of: account)
        } catch {
            context.logger.warning("cannot answer: the peer's devices were not found", metadata: ["peer": "\(account)", "error": "\(error)"])
            return []
        }
        let (node, logger, value) = (node, context.logger, request.value(id: context.scheduler.randomID()))
        return await withTaskGroup(of: PublicKeyID?.self) { group in
            for device in devices {
                group.addTask {
                    let inbox = DeviceDirectory.inbox(of: device.device)
                    node.prepare(inbox)
                    do {
                        let key = try await DeviceDirectory.encryptionKey(of: device, node: node)
                        // No node took it: as good as not sent.
                        guard try await node.put(inbox, node.sealed(value, to: key)) > 0 else { return nil }
                        return device.device
                    } catch {
                        logger.warning("could not send a trust request", metadata: ["device": "\(device.device)", "error": "\(error)"])
                        return nil
                    }
                }
            }
            var reached: [PublicKeyID] = []
            for await case let d? in group { reached.append(d) }
            return reached.sorted()
        }
    }

    /// Puts a sealed request in `device`'s inbox; returns how many nodes acknowledged it.
    func put(_ value: Value, to device: PublicKeyID) async -> Int {
        do {
            return try await node.put(DeviceDirectory.inbox(of: device), value)
        } catch {
            context.logger.warning("could not send a trust request", metadata: ["device": "\(device)", "error": "\(error)"])
            return 0
        }
    }

    /// Stops delivering our request to `peer` (they answered, we accepted theirs, or removed them).
    public func forget(_ peer: PublicKeyID) {
        sentTo[peer] = nil
        validationAttempts = validationAttempts.filter { $0.key.peer != peer }
        guard outgoing.keys.contains(where: { $0.peer == peer }) else { return }
        outgoing = outgoing.filter { $0.key.peer != peer }
        let database = context.database
        context.recording("the end of a request's delivery") { () throws(DaemonError) in try database.deleteOutgoing(peer: peer) }
        scheduleRetries()
    }

    /// Forgets that `device` of `peer` was sent to this session (its schedule ended).
    func allowAgain(_ peer: PublicKeyID, device: PublicKeyID) { sentTo[peer]?.remove(device) }
}
