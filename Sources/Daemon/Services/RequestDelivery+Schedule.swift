import DaemonWire
import Contacts
import DHT
import Identity

/// The retry schedule of our requests: one timer for all, the rows in the database.
extension RequestDelivery {
    /// Loads the deliveries a previous run left and starts the timer.
    func resume() {
        do {
            for r in try context.database.outgoing() { outgoing[OutgoingKey(r.peer, r.device)] = r }
        } catch {
            context.logger.error("cannot read the requests being delivered", metadata: ["error": "\(error)"])
        }
        if !outgoing.isEmpty { context.logger.info("resuming request deliveries", metadata: ["count": "\(outgoing.count)"]) }
        scheduleRetries()
    }

    func keep(_ r: AccountDatabase.OutgoingRequest) {
        record(r)
        scheduleRetries()
    }

    private func record(_ r: AccountDatabase.OutgoingRequest) {
        outgoing[OutgoingKey(r.peer, r.device)] = r
        let database = context.database
        context.recording("a request being delivered (a restart will not resume it)") { () throws(DaemonError) in try database.saveOutgoing(r) }
    }

    private func drop(_ key: OutgoingKey) {
        outgoing[key] = nil
        let database = context.database
        context.recording("the end of a request's delivery") { () throws(DaemonError) in try database.deleteOutgoing(peer: key.peer, device: key.device) }
    }

    /// One timer for all deliveries: it sleeps until the soonest is due.
    func scheduleRetries() {
        retryTimer?.cancel()
        guard isActive, let soonest = outgoing.values.map(\.nextAttempt).min() else { return }
        let scheduler = context.scheduler
        let wait = Duration.milliseconds(max(0, soonest - scheduler.unixMilliseconds))
        retryTimer = scheduler.spawn { [weak self] in
            guard (try? await scheduler.sleep(for: wait)) != nil else { return }
            await self?.retryDue()
        }
    }

    /// Puts each due request again, or drops it when the peer answered meanwhile or it has had
    /// all its attempts.
    private func retryDue() async {
        let now = context.scheduler.unixMilliseconds
        var due: [(AccountDatabase.OutgoingRequest, Value)] = []
        for (key, var r) in outgoing.sorted(by: { ($0.value.nextAttempt, $0.key.device) < ($1.value.nextAttempt, $1.key.device) }) where r.nextAttempt <= now {
            let stillPending: Bool
            do {
                stillPending = try pendingRequest(key.peer) != nil
            } catch {
                // Unreadable now is not an answer: keep the request, look again at its next time.
                context.logger.error("cannot read a contact to deliver our request", metadata: ["peer": "\(key.peer)", "error": "\(error)"])
                r.nextAttempt = now + schedule.delay(afterAttempt: r.attempts)
                record(r)
                continue
            }
            guard stillPending else {
                drop(key)
                continue
            }
            guard let value = try? Value(packed: r.value) else {
                context.logger.error("dropping an unreadable request being delivered", metadata: ["peer": "\(key.peer)", "device": "\(key.device)"])
                drop(key)
                continue
            }
            r.attempts += 1
            if r.attempts >= schedule.attempts {
                context.logger.info("last attempt to deliver a trust request; it is sent again if the device is announced again",
                                    metadata: ["peer": "\(key.peer)", "device": "\(key.device)"])
                drop(key)
                allowAgain(key.peer, device: key.device)
            } else {
                r.nextAttempt = now + schedule.delay(afterAttempt: r.attempts)
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
                    self?.context.logger.info("trust request put again", metadata: ["device": "\(r.device)", "attempt": "\(r.attempts)", "storedOn": "\(storedOn)"])
                }
            }
        }
    }
}
