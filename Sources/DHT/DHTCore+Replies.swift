/// Replies, errors and timeouts of our own requests.
extension DHTCore {
    func handleReply(_ msg: WireMessage, from source: PeerAddress, now: Int64) {
        guard let request = completeRequest(answeredBy: msg, from: source) else { return }
        noteNode(msg.senderId, source, now: now, replied: true)
        if let ip = msg.reportedIP { reported.record(ip, by: source) }
        if request.nodeId == nil && bootstrapAddresses.contains(source) {
            // A bootstrap host answered: look for our neighbourhood right away.
            bootstrapInterval = 10_000
            startMaintenanceSearch(nodeId, now: now)
        }
        if case .userPing(let op) = request.purpose { emit(.pong(op, node: msg.senderId)) }
        guard case .search(let key, let purpose) = request.purpose, var search = searches[key] else { return }
        guard let i = search.index(of: msg.senderId) ?? search.nodes.firstIndex(where: { $0.address == source }) else { return }
        search.nodes[i].inFlight.remove(msg.tid)
        search.nodes[i].slow.remove(msg.tid)
        search.nodes[i].failed = false
        search.nodes[i].timedOutAt = nil
        search.lastActivity = now
        switch purpose {
        case .lookup(let getOp):
            if let token = msg.token {
                search.nodes[i].token = token
                search.nodes[i].lastSynced = now
            }
            if let getOp { search.nodes[i].answeredGets.insert(getOp) }
            let learned = key.family == .inet ? msg.nodes4 : msg.nodes6
            for entry in learned {
                if let e = learnNode(entry, reporter: source, now: now) { search.addCandidate(id: e.id, address: e.address) }
            }
            let otherFamily = key.family == .inet ? msg.nodes6 : msg.nodes4
            for entry in otherFamily { _ = learnNode(entry, reporter: source, now: now) }
            searches[key] = search
            if let getOp { deliverValues(msg, getOp: getOp, search: key) }
        case .put(let valueId):
            search.nodes[i].acked.insert(valueId)
            searches[key] = search
        case .listen:
            searches[key] = search
        }
        stepSearch(key, now: now)
    }

    /// The request `msg` answers, removed from the pending ones; nil (and nothing changes) when
    /// no request with that tid went to that address, or when it went to a node of another id:
    /// someone else answering from the node's address does not vouch for it (issue #13), and the
    /// request stays pending until it times out.
    private func completeRequest(answeredBy msg: WireMessage, from source: PeerAddress) -> PendingRequests.Request? {
        guard let request = pending.request(msg.tid), request.address == source,
              request.nodeId == nil || request.nodeId == msg.senderId else {
            stats.droppedUnmatched += 1
            return nil
        }
        return pending.complete(tid: msg.tid, from: source)
    }

    private func deliverValues(_ msg: WireMessage, getOp: OperationID, search key: SearchKey) {
        guard var state = operations[getOp], let op = searches[key]?.gets.first(where: { $0.id == getOp }) else { return }
        var fresh: [Value] = []
        for v in msg.values where op.query.matches(v, ownerId: nil) && !state.seen.contains(v.id) {
            state.seen.insert(v.id)
            fresh.append(v)
        }
        operations[getOp] = state
        if !fresh.isEmpty { emit(.values(getOp, fresh)) }
    }

    func handleError(_ msg: WireMessage, from source: PeerAddress, now: Int64) {
        guard let request = completeRequest(answeredBy: msg, from: source) else { return }
        noteNode(msg.senderId, source, now: now, replied: true)
        guard case .search(let key, let purpose) = request.purpose, var search = searches[key],
              let i = search.index(of: msg.senderId) else { return }
        search.nodes[i].inFlight.remove(msg.tid)
        search.nodes[i].slow.remove(msg.tid)
        if msg.errorCode == DHTErrorCode.notFound.rawValue, case .put(let valueId) = purpose {
            // A refresh of a value the node no longer has: send the whole value next step.
            search.nodes[i].stored.remove(valueId)
        } else if msg.errorCode == DHTErrorCode.unauthorized.rawValue {
            // Our token is stale: forget it so the next step fetches a new one.
            search.nodes[i].token = []
            search.nodes[i].lastSynced = .distantPast
            withTable(source.family) { $0.recordAuthError(msg.senderId) }
        } else {
            search.nodes[i].failed = true
        }
        searches[key] = search
        stepSearch(key, now: now)
    }

    /// Retransmits requests whose reply is late and gives up on those sent three times.
    func handleTimeouts(now: Int64) {
        for (tid, var request) in pending.due(now: now) {
            if request.attempts < DHTConstants.requestAttempts {
                request.attempts += 1
                request.deadline = now + PendingRequests.wait(afterAttempt: request.attempts, rng: &rng)
                for d in request.datagrams { send(d, to: request.address) }
                pending.rearm(tid: tid, request)
                if request.attempts == 2, case .search(let key, _) = request.purpose, var s = searches[key],
                   let i = s.nodes.firstIndex(where: { $0.inFlight.contains(tid) }) {
                    // One unanswered try: let the search ask another node meanwhile.
                    s.nodes[i].slow.insert(tid)
                    searches[key] = s
                    stepSearch(key, now: now)
                }
                continue
            }
            pending.cancel(tid: tid)
            if case .userPing(let op) = request.purpose { emit(.pong(op, node: nil)) }
            if let id = request.nodeId { withTable(request.address.family) { $0.markExpired(id) } }
            guard case .search(let key, _) = request.purpose, var s = searches[key],
                  let i = s.nodes.firstIndex(where: { $0.inFlight.contains(tid) }) else { continue }
            s.nodes[i].inFlight.remove(tid)
            s.nodes[i].slow.remove(tid)
            s.nodes[i].failed = true
            s.nodes[i].timedOutAt = now
            searches[key] = s
            stepSearch(key, now: now)
        }
    }
}
