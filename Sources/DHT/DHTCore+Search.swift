/// Drives searches (§8.3): Kademlia lookups with at most 4 fresh requests in flight, then puts to
/// the 8 closest synced nodes and listens on the 4 closest.
extension DHTCore {
    /// How long an operation waits for a first node before it fails.
    static let noNodeTimeout: Int64 = 15_000

    func stepSearch(_ key: SearchKey, now: Int64) {
        guard var s = searches[key] else { return }
        defer { if searches[key] != nil { searches[key] = s } }
        // Nodes we learnt of since the last step join the search when they are closer than its
        // farthest (as OpenDHT's `onNewNode` does): a long-lived search (a permanent put, a
        // listen) follows the network as it changes, instead of the nodes that were closest
        // when it began.
        for n in table(key.family).closest(to: key.key, count: DHTConstants.searchNodes, goodOnly: false, now: now) {
            if !s.addCandidate(id: n.id, address: n.address), let i = s.index(of: n.id),
               let out = s.nodes[i].timedOutAt, n.lastHeard > out, s.nodes[i].inFlight.isEmpty {
                s.nodes[i].failed = false
                s.nodes[i].timedOutAt = nil
                // It may have lost its state: a token again, the listen again, and the values
                // it had taken offered again (a refresh first; it answers "not found" if lost).
                s.nodes[i].lastSynced = .distantPast
                s.nodes[i].listenRefreshAt = .distantPast
                s.nodes[i].stored.formUnion(s.nodes[i].acked)
                s.nodes[i].acked = []
            }
        }
        var budget = DHTConstants.maxInFlightPerSearch - s.nodes.reduce(0) { $0 + $1.freshInFlight }

        // Get operations: ask every close node with the operation's own query.
        var finishedGets: [(OperationID, Bool)] = []
        for op in s.gets {
            let live = s.closestLive(DHTConstants.searchNodes)
            for node in live where budget > 0 && !node.answeredGets.contains(op.id) {
                guard let i = s.index(of: node.id), !hasRequest(s.nodes[i], .lookup(getOp: op.id)) else { continue }
                let tid = makeTid()
                s.nodes[i].inFlight.insert(tid)
                budget -= 1
                sendRequest([encoder.get(tid: tid, key: key.key, query: op.query, want: nil)], method: .get, tid: tid,
                            to: node.address, nodeId: node.id, purpose: .search(key, .lookup(getOp: op.id)), now: now)
            }
            let top = s.closestResponsive(DHTConstants.bucketSize)
            let waiting = s.nodes.contains { n in !n.failed && !n.isUnresponsive && hasRequest(n, .lookup(getOp: op.id)) }
            if !top.isEmpty && top.allSatisfy({ $0.answeredGets.contains(op.id) }) {
                finishedGets.append((op.id, true))
            } else if !waiting && s.closestLive(DHTConstants.searchNodes).allSatisfy({ $0.answeredGets.contains(op.id) }) {
                finishedGets.append((op.id, s.nodes.contains { $0.answeredGets.contains(op.id) }))
            } else if s.nodes.allSatisfy(\.failed) && now - op.started > Self.noNodeTimeout {
                finishedGets.append((op.id, false))
            }
        }
        s.gets.removeAll { g in finishedGets.contains { $0.0 == g.id } }

        // Sync (tokens) for puts and listens: `find` unsynced nodes among the closest.
        let needsSync = !s.puts.isEmpty || !s.listens.isEmpty || s.isMaintenance || now < s.keepUntil
        if needsSync {
            for node in s.closestResponsive(DHTConstants.bucketSize) where budget > 0 && !node.isSynced(now: now) {
                guard let i = s.index(of: node.id), !hasLookup(s.nodes[i]) else { continue }
                let tid = makeTid()
                s.nodes[i].inFlight.insert(tid)
                budget -= 1
                sendRequest([encoder.find(tid: tid, target: key.key, want: nil)], method: .find, tid: tid,
                            to: node.address, nodeId: node.id, purpose: .search(key, .lookup(getOp: nil)), now: now)
            }
        }
        let top = s.closestResponsive(DHTConstants.bucketSize)
        let lookupsPending = s.nodes.contains { !$0.failed && !$0.isUnresponsive && hasLookup($0) }
        let synced = !top.isEmpty && (top.allSatisfy { $0.isSynced(now: now) } || !lookupsPending)

        if s.isMaintenance && (synced || s.nodes.allSatisfy(\.failed) || now - s.lastActivity > 30_000) {
            searches[key] = nil
            s.gets = []
            s.puts = []
            s.listens = []
        }
        if synced { announce(&s, now: now) }
        if synced { listen(&s, now: now) }
        forgetFormerHolders(&s)
        failStarvedPuts(&s, now: now)

        for (op, ok) in finishedGets { finishOperation(op, success: ok) }
        if s.isIdle && !s.isMaintenance && now >= s.keepUntil { searches[key] = nil }
    }

    private func hasRequest(_ node: Search.Node, _ purpose: SearchRequest) -> Bool {
        node.inFlight.contains { tid in
            if case .search(_, let p) = pending.request(tid)?.purpose { return p == purpose }
            return false
        }
    }

    private func hasLookup(_ node: Search.Node) -> Bool {
        node.inFlight.contains { tid in
            if case .search(_, .lookup) = pending.request(tid)?.purpose { return true }
            return false
        }
    }

    private func announce(_ s: inout Search, now: Int64) {
        let targets = s.closestResponsive(DHTConstants.bucketSize).filter { $0.isSynced(now: now) }
        for p in s.puts.indices {
            // Between re-announcements a permanent value still goes to every node that has
            // become one of the closest since (the network grew, a node left): otherwise a value
            // put as we joined stays on the nodes closest then, and a reader who finds the true
            // closest finds nothing until the next round, days away for a certificate.
            let valueId = s.puts[p].value.id
            for node in targets where !node.acked.contains(valueId) {
                guard let i = s.index(of: node.id), !hasRequest(s.nodes[i], .put(valueId: valueId)) else { continue }
                let tid = makeTid()
                s.nodes[i].inFlight.insert(tid)
                let purpose = PendingRequests.Purpose.search(s.key, .put(valueId: valueId))
                if node.stored.contains(valueId) {
                    let datagram = encoder.refresh(tid: tid, key: s.key.key, valueId: valueId, token: node.token)
                    sendRequest([datagram], method: .refresh, tid: tid, to: node.address, nodeId: node.id, purpose: purpose, now: now)
                    continue
                }
                let created: UInt64? = s.puts[p].created < now - 1000 ? UInt64(max(0, s.puts[p].created / 1000)) : nil
                let datagrams = encoder.put(tid: tid, key: s.key.key, packedValues: [s.puts[p].packed], created: created, token: node.token)
                sendRequest(datagrams, method: .put, tid: tid, to: node.address, nodeId: node.id, purpose: purpose, now: now)
            }
            let waiting = s.nodes.contains { hasRequest($0, .put(valueId: valueId)) }
            guard !waiting, !s.puts[p].reported || s.puts[p].permanent else { continue }
            let storedOn = targets.filter { $0.acked.contains(valueId) }.count
            if !s.puts[p].reported {
                s.puts[p].reported = true
                finishPut(s.puts[p].id, storedOn: storedOn)
            }
            if s.puts[p].permanent && s.puts[p].announcedAt == .distantPast {
                s.puts[p].announcedAt = now
                let lifetime = config.lifetime(ofType: s.puts[p].value.type)
                s.puts[p].nextAnnounce = now + max(1_000, lifetime - DHTConstants.reannounceMargin)
            }
        }
        s.puts.removeAll { $0.reported && !$0.permanent }
    }

    /// Re-announces permanent values whose time has come: forget acks, fresh creation time.
    func reannounceDue(_ s: inout Search, now: Int64) -> Bool {
        var any = false
        for p in s.puts.indices where s.puts[p].permanent && s.puts[p].announcedAt != .distantPast && now >= s.puts[p].nextAnnounce {
            let id = s.puts[p].value.id
            for i in s.nodes.indices where s.nodes[i].acked.remove(id) != nil { s.nodes[i].stored.insert(id) }
            s.puts[p].created = now
            s.puts[p].announcedAt = .distantPast
            s.puts[p].nextAnnounce = .distantPast
            any = true
        }
        return any
    }

    private func failStarvedPuts(_ s: inout Search, now: Int64) {
        guard s.nodes.allSatisfy(\.failed) else { return }
        for p in s.puts.indices where !s.puts[p].reported && now - s.puts[p].created > Self.noNodeTimeout {
            s.puts[p].reported = true
            finishPut(s.puts[p].id, storedOn: 0)
        }
        s.puts.removeAll { $0.reported && !$0.permanent }
    }

    private func listen(_ s: inout Search, now: Int64) {
        guard !s.listens.isEmpty else { return }
        let q = s.listens.count == 1 ? s.listens[0].query : Query()
        let targets = s.closestLive(DHTConstants.listenNodes).filter { $0.isSynced(now: now) }
        for node in targets where now >= node.listenRefreshAt {
            guard let i = s.index(of: node.id), !hasRequest(s.nodes[i], .listen) else { continue }
            let sid = s.nodes[i].listenSocket ?? makeTid()
            s.nodes[i].listenSocket = sid
            s.nodes[i].listenRefreshAt = now + DHTConstants.listenRefreshInterval
            listenSockets[sid] = s.key
            let tid = makeTid()
            s.nodes[i].inFlight.insert(tid)
            sendRequest([encoder.listen(tid: tid, key: s.key.key, token: node.token, socketId: sid, query: q)], method: .listen,
                        tid: tid, to: node.address, nodeId: node.id, purpose: .search(s.key, .listen), now: now)
        }
    }

    func finishOperation(_ op: OperationID, success: Bool) {
        guard var state = operations[op] else { return }
        state.remainingFamilies -= 1
        state.success = state.success || success
        if state.remainingFamilies > 0 {
            operations[op] = state
            return
        }
        operations[op] = nil
        emit(.getDone(op, success: state.success))
    }

    func finishPut(_ op: OperationID, storedOn: Int) {
        guard var state = operations[op] else { return }
        state.remainingFamilies -= 1
        state.storedOn += storedOn
        operations[op] = state
        guard state.remainingFamilies == 0 else { return }
        emit(.putDone(op, storedOn: state.storedOn))
        // A permanent put keeps its state so it can be cancelled; others are finished.
        if !state.permanent { operations[op] = nil }
    }

    /// A lookup that only refreshes the routing table (neighbourhood or bucket maintenance).
    func startMaintenanceSearch(_ target: InfoHash, now: Int64) {
        for family in families {
            let key = SearchKey(key: target, family: family)
            guard searches[key] == nil else { continue }
            var s = Search(key: key, now: now)
            s.isMaintenance = true
            searches[key] = s
            stepSearch(key, now: now)
        }
    }
}
