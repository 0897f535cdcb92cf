/// Answers to incoming queries (§2.1–§2.7).
extension DHTCore {
    func handleQuery(_ method: WireMessage.QueryMethod, _ msg: WireMessage, from source: PeerAddress, now: Int64) {
        switch method {
        case .ping:
            send(encoder.pong(tid: msg.tid, to: source), to: source)
        case .find:
            let target = msg.target ?? msg.infoHash ?? nodeId
            replyWithNodes(msg, target: target, from: source, payload: .none)
        case .get:
            guard let key = msg.infoHash else { return sendError(msg, .nonAuthoritative, "Get with no info_hash", to: source) }
            let q = msg.query ?? Query()
            let found = storage.get(key, query: q)
            let payload: MessageEncoder.Payload
            if found.isEmpty {
                payload = .none
            } else if q.select.isEmpty {
                payload = .values(found.map(\.packed))
            } else {
                let fields = Array(Set(q.select)).sorted()
                payload = .fields(fields, found.map(\.value))
            }
            replyWithNodes(msg, target: key, from: source, payload: payload)
        case .put:
            handlePut(msg, from: source, now: now)
        case .listen:
            handleListen(msg, from: source, now: now)
        case .refresh:
            handleRefresh(msg, from: source, now: now)
        case .update:
            handleUpdate(msg, from: source, now: now)
        }
    }

    private func replyWithNodes(_ msg: WireMessage, target: InfoHash, from source: PeerAddress, payload: MessageEncoder.Payload) {
        let want = msg.want ?? [source.family]
        var n4: [UInt8] = [], n6: [UInt8] = []
        if want.contains(.inet) {
            for n in table4.closest(to: target, count: DHTConstants.bucketSize, goodOnly: true, now: lastNow) { n.compact.appendCompact(to: &n4) }
        }
        if want.contains(.inet6) {
            for n in table6.closest(to: target, count: DHTConstants.bucketSize, goodOnly: true, now: lastNow) { n.compact.appendCompact(to: &n6) }
        }
        for d in encoder.nodesReply(tid: msg.tid, to: source, nodes4: n4, nodes6: n6, token: tokens.token(for: source), payload: payload) {
            send(d, to: source)
        }
    }

    func sendError(_ msg: WireMessage, _ code: DHTErrorCode, _ message: String, to address: PeerAddress) {
        stats.errorsSent += 1
        send(encoder.error(tid: msg.tid, code: code, message: message), to: address)
    }

    private func handlePut(_ msg: WireMessage, from source: PeerAddress, now: Int64) {
        guard let key = msg.infoHash else { return sendError(msg, .nonAuthoritative, "Put with no info_hash", to: source) }
        guard let token = msg.token, tokens.isValid(token, for: source) else {
            return sendError(msg, .unauthorized, "Put with wrong token", to: source)
        }
        let created = msg.created.map { Int64(clamping: $0) * 1000 } ?? now
        let closeEnough = isAmongClosest(to: key, family: source.family, now: now)
        for value in msg.values {
            guard value.id != 0 else { return sendError(msg, .nonAuthoritative, "Put with invalid id", to: source) }
            let result = closeEnough ? storage.store(key, value, created: created, now: now, from: source) : .rejected("too far from the key")
            switch result {
            case .stored, .edited:
                notifyListeners(key, storage.entry(key, id: value.id).map { [$0] } ?? [], now: now)
            case .refreshed:
                break
            case .rejected:
                // OpenDHT acknowledges refused puts too ("we lie to the requestor").
                stats.valuesRejected += 1
            }
            send(encoder.valueAck(tid: msg.tid, valueId: value.id, to: source), to: source)
        }
    }

    /// Whether we are among the ``DHTConstants/searchNodes`` nodes we know closest to `key`. Like
    /// OpenDHT, a node that knows at least ``DHTConstants/targetNodes`` peers all closer than itself
    /// does not store (it still acknowledges), so nobody can fill a far node's storage. Only nodes
    /// that answered us count, as in OpenDHT's `findClosestNodes`: ids that merely sent us
    /// something cost nothing to invent and must not talk us out of storing (issue #13).
    func isAmongClosest(to key: InfoHash, family: AddressFamily, now: Int64) -> Bool {
        let closest = table(family).closest(to: key, count: DHTConstants.searchNodes, goodOnly: true, now: now)
        guard closest.count >= DHTConstants.targetNodes, let farthest = closest.last else { return true }
        return !(farthest.id.distance(to: key) < nodeId.distance(to: key))
    }

    private func handleListen(_ msg: WireMessage, from source: PeerAddress, now: Int64) {
        guard let key = msg.infoHash else { return sendError(msg, .nonAuthoritative, "Listen with no info_hash", to: source) }
        guard let token = msg.token, tokens.isValid(token, for: source) else {
            return sendError(msg, .unauthorized, "Listen with wrong token", to: source)
        }
        let q = msg.query ?? Query()
        let sid = msg.socketId ?? msg.tid
        switch remoteListeners.add(key: key, nodeId: msg.senderId, address: source, socketId: sid, query: q, now: now) {
        case .refused(let reason):
            // Said so, rather than confirmed and then never updated: the listener looks elsewhere.
            stats.listensRefused += 1
            return sendError(msg, .nonAuthoritative, "Listen refused: \(reason)", to: source)
        case .refreshed:
            return send(encoder.pong(tid: msg.tid, to: source), to: source)
        case .added:
            send(encoder.pong(tid: msg.tid, to: source), to: source)
        }
        let existing = storage.get(key, query: q)
        if !existing.isEmpty {
            sendUpdate(key: key, socketId: sid, entries: existing, to: source, nodeId: msg.senderId, now: now)
        }
    }

    private func handleRefresh(_ msg: WireMessage, from source: PeerAddress, now: Int64) {
        guard let key = msg.infoHash, let vid = msg.valueId else {
            return sendError(msg, .nonAuthoritative, "Refresh with no info_hash", to: source)
        }
        guard let token = msg.token, tokens.isValid(token, for: source) else {
            return sendError(msg, .unauthorized, "Refresh with wrong token", to: source)
        }
        guard storage.refresh(key, id: vid, now: now) else {
            return sendError(msg, .notFound, "Access operation for unknown storage", to: source)
        }
        send(encoder.valueAck(tid: msg.tid, valueId: vid, to: source), to: source)
        for l in remoteListeners.listeners(key) {
            let tid = makeTid()
            let d = encoder.updateIds(tid: tid, socketId: l.socketId, token: tokens.token(for: l.address), ids: [vid], expired: false)
            sendRequest([d], method: .update, tid: tid, to: l.address, nodeId: l.nodeId, purpose: .update, now: now)
        }
    }

    /// A storing node tells us about values under a key we listen to.
    private func handleUpdate(_ msg: WireMessage, from source: PeerAddress, now: Int64) {
        send(encoder.pong(tid: msg.tid, to: source), to: source)
        guard let sid = msg.socketId, let searchKey = listenSockets[sid], let search = searches[searchKey] else { return }
        // The holder is the search node we registered this socket with. A socket no node holds
        // any more (the node left the search) is stale: what comes on it is dropped.
        guard let holder = search.nodes.first(where: { $0.listenSocket == sid }) else {
            listenSockets[sid] = nil
            return
        }
        deliver(msg.values, expired: msg.expiredIds, from: .node(holder.id), to: search.listens)
    }

    /// Reports values new to each listen operation (by id and content), and the expiry of those
    /// that no holder has any more.
    private func deliver(_ values: [Value], expired expiredIds: [UInt64], from holder: ListenCache.Holder, to listens: [Search.ListenOp]) {
        for op in listens {
            guard var state = operations[op.id] else { continue }
            let added = values.filter { op.query.matches($0, ownerId: nil) && state.listened.add($0, from: holder) }
            let expired = expiredIds.filter { state.listened.expire($0, from: holder) }
            operations[op.id] = state
            if !added.isEmpty { emit(.listenAdded(op.id, added)) }
            if !expired.isEmpty { emit(.listenExpired(op.id, expired)) }
        }
    }

    /// Nodes the listen no longer runs on (failed, or no longer among the closest) cannot report
    /// expiry: the values only they held are reported expired now (a closer node that holds them
    /// reports them again when our listen reaches it). Such a node loses its listen socket, so
    /// that if it becomes a listen target again it is registered afresh and sends what it holds.
    /// Runs on every search step, but does its work only when the listen targets changed.
    func forgetFormerHolders(_ s: inout Search) {
        guard !s.listens.isEmpty else { return }
        let current = Set(s.closestLive(DHTConstants.listenNodes).map(\.id))
        guard current != s.listenTargets else { return }
        s.listenTargets = current
        for i in s.nodes.indices where !current.contains(s.nodes[i].id) {
            guard let sid = s.nodes[i].listenSocket else { continue }
            listenSockets[sid] = nil
            s.nodes[i].listenSocket = nil
            s.nodes[i].listenRefreshAt = .distantPast
        }
        for op in s.listens {
            guard var state = operations[op.id], !state.listened.isEmpty else { continue }
            let gone = state.listened.keepOnly(current)
            operations[op.id] = state
            if !gone.isEmpty { emit(.listenExpired(op.id, gone)) }
        }
    }

    /// Tells every listener of `key` whose query matches about `entries`: remote ones with an
    /// update, our own listen operations directly (a value may be stored on the listening node).
    func notifyListeners(_ key: InfoHash, _ entries: [Storage.Entry], now: Int64) {
        if let local = families.lazy.compactMap({ self.searches[SearchKey(key: key, family: $0)] }).first, !local.listens.isEmpty {
            deliver(entries.map(\.value), expired: [], from: .local, to: local.listens)
        }
        for l in remoteListeners.listeners(key) {
            let matching = entries.filter { l.query.matches($0.value, ownerId: nil) }
            guard !matching.isEmpty else { continue }
            sendUpdate(key: key, socketId: l.socketId, entries: matching, to: l.address, nodeId: l.nodeId, now: now)
        }
    }

    private func sendUpdate(key: InfoHash, socketId: UInt32, entries: [Storage.Entry], to address: PeerAddress, nodeId id: InfoHash, now: Int64) {
        let tid = makeTid()
        let oldest = entries.map(\.created).min() ?? now
        let created: UInt64? = oldest < now - 1000 ? UInt64(max(0, oldest / 1000)) : nil
        let datagrams = encoder.updateValues(tid: tid, key: key, socketId: socketId, packedValues: entries.map(\.packed), created: created, token: tokens.token(for: address))
        sendRequest(datagrams, method: .update, tid: tid, to: address, nodeId: id, purpose: .update, now: now)
    }

    /// Notifies listeners of expired values.
    func notifyExpired(_ expired: [(InfoHash, [UInt64])], now: Int64) {
        for (key, ids) in expired {
            if let local = families.lazy.compactMap({ self.searches[SearchKey(key: key, family: $0)] }).first {
                deliver([], expired: ids, from: .local, to: local.listens)
            }
            for l in remoteListeners.listeners(key) {
                let tid = makeTid()
                let d = encoder.updateIds(tid: tid, socketId: l.socketId, token: tokens.token(for: l.address), ids: ids, expired: true)
                sendRequest([d], method: .update, tid: tid, to: l.address, nodeId: l.nodeId, purpose: .update, now: now)
            }
        }
    }
}
