/// Timers (§8.7): retransmissions, expiry, bootstrap retries, routing-table maintenance,
/// listen refreshes and permanent re-announcements.
extension DHTCore {
    /// Runs whatever is due at `now`. Call it at ``nextWakeup`` (earlier calls are harmless).
    public func tick(now: Int64) {
        lastNow = max(lastNow, now)
        handleTimeouts(now: now)
        if now >= nextHousekeeping {
            nextHousekeeping = now + 1_000
            housekeeping(now: now)
        }
        if now >= nextBootstrap {
            if isConnected || bootstrapAddresses.isEmpty {
                nextBootstrap = bootstrapAddresses.isEmpty ? .max : now + 60_000
            } else {
                for a in bootstrapAddresses { pingBootstrap(a, now: now) }
                bootstrapInterval = min(bootstrapInterval * 2, 24 * 3_600_000)
                nextBootstrap = now + bootstrapInterval
            }
        }
        if now >= nextMaintenance { maintain(now: now) }
    }

    private func housekeeping(now: Int64) {
        tokens.rotateIfDue(now: now, rng: &rng)
        for probe in newcomers.due(now: now) {
            // Whoever holds the address now, if still unconfirmed and not already being asked.
            let t = table(probe.address.family)
            guard let id = t.holder(of: probe.address), let n = t.node(id), !n.isGood(now: now),
                  !pending.isPinging(probe.address) else { continue }
            let tid = makeTid()
            sendRequest([encoder.ping(tid: tid)], method: .ping, tid: tid, to: probe.address, nodeId: id, purpose: .ping, now: now)
        }
        let expired = storage.expire(now: now)
        if !expired.isEmpty { notifyExpired(expired, now: now) }
        remoteListeners.expire(now: now)
        assembler.expire(now: now)
        for key in Array(searches.keys) {
            guard var s = searches[key] else { continue }
            let due = reannounceDue(&s, now: now)
            let listenDue = !s.listens.isEmpty && s.nodes.contains { $0.listenSocket != nil && now >= $0.listenRefreshAt }
            let waiting = !s.gets.isEmpty || s.puts.contains { !$0.reported }
            searches[key] = s
            let preparedAndDone = s.isIdle && s.keepUntil != .distantPast && now >= s.keepUntil
            // Long-lived searches look at the routing table again now and then, so nodes that
            // became the closest since get the values and the listens.
            let refreshDue = (!s.puts.isEmpty || !s.listens.isEmpty) && now >= s.refreshAt
            if refreshDue {
                searches[key]?.refreshAt = now + DHTConstants.searchRefreshInterval
            }
            if due || listenDue || waiting || refreshDue || s.isMaintenance || preparedAndDone { stepSearch(key, now: now) }
        }
    }

    /// Refreshes stale buckets and our neighbourhood with lookups.
    private func maintain(now: Int64) {
        var needsMore = false
        for family in families {
            let t = table(family)
            guard t.goodNodeCount(now: now) > 0 else { continue }
            withTable(family) { $0.removeDeadNodes(now: now) }
            var target = nodeId
            target = target.settingBit(159, to: Bool.random(using: &rng))
            startMaintenanceSearch(target, now: now)
            for (i, bucket) in t.buckets.enumerated() where now - bucket.lastChanged > DHTConstants.nodeExpireTime {
                startMaintenanceSearch(t.randomId(inBucket: i, using: &rng), now: now)
                needsMore = true
                break
            }
        }
        nextMaintenance = now + (needsMore ? Int64.random(in: 5_000...25_000, using: &rng) : Int64.random(in: 60_000...180_000, using: &rng))
    }
}
