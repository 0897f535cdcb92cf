/// The node's user-facing operations. Each returns at once; results arrive as ``DHTEvent``s.
extension DHTCore {
    /// Pings `address` now and whenever the node has no good node left (every 10 s, doubling).
    public func bootstrap(_ address: PeerAddress, now: Int64) {
        lastNow = max(lastNow, now)
        guard families.contains(address.family) else { return }
        if !bootstrapAddresses.contains(address) { bootstrapAddresses.append(address) }
        pingBootstrap(address, now: now)
        nextBootstrap = now + bootstrapInterval
    }

    func pingBootstrap(_ address: PeerAddress, now: Int64) {
        let tid = makeTid()
        sendRequest([encoder.ping(tid: tid)], method: .ping, tid: tid, to: address, nodeId: nil, purpose: .ping, now: now)
    }

    /// Pings `address`; the answer arrives as ``DHTEvent/pong(_:node:)``.
    public func ping(_ address: PeerAddress, now: Int64) -> OperationID {
        lastNow = max(lastNow, now)
        let op = OperationID(nextOperation)
        nextOperation += 1
        let tid = makeTid()
        sendRequest([encoder.ping(tid: tid)], method: .ping, tid: tid, to: address, nodeId: nil, purpose: .userPing(op), now: now)
        return op
    }

    /// Adds known nodes (e.g. a saved routing table); they are pinged to check they are alive.
    /// The ping expects no particular id, as a bootstrap ping does: most nodes take a new id when
    /// they restart, and the address we saved is what we trust, not the id we saw there.
    public func addNodes(_ nodes: [WireMessage.NodeEntry], now: Int64) {
        for n in nodes where n.id != nodeId && families.contains(n.address.family) && !n.address.isMartian {
            let tid = makeTid()
            sendRequest([encoder.ping(tid: tid)], method: .ping, tid: tid, to: n.address, nodeId: nil, purpose: .ping, now: now)
        }
    }

    /// Good nodes of the routing tables, to save and restore across restarts.
    public func exportNodes() -> [WireMessage.NodeEntry] {
        (table4.buckets + table6.buckets).flatMap { $0.nodes.filter { $0.isGood(now: lastNow) }.map(\.compact) }
    }

    /// Finds the values stored under `key` that match `query`.
    public func get(_ key: InfoHash, query: Query = Query(), now: Int64) -> OperationID {
        let op = newOperation(.get, key: key)
        for family in families {
            let sk = SearchKey(key: key, family: family)
            var s = searches[sk] ?? Search(key: sk, now: now)
            s.gets.append(.init(id: op, query: query, started: now))
            searches[sk] = s
        }
        // Values we store ourselves count too.
        let local = storage.get(key, query: query).map(\.value)
        if !local.isEmpty {
            operations[op]?.seen.formUnion(local.map(\.id))
            emit(.values(op, local))
        }
        for family in families { stepSearch(SearchKey(key: key, family: family), now: now) }
        return op
    }

    /// Stores `value` on the nodes closest to `key`. A permanent value is re-announced before it
    /// expires for as long as the node runs (or until cancelled).
    public func put(_ key: InfoHash, _ value: Value, permanent: Bool = false, now: Int64) -> OperationID {
        var value = value
        if value.id == 0 { value.id = rng.next() | 1 }
        let op = newOperation(.put, key: key)
        operations[op]?.permanent = permanent
        let packed = value.packed()
        // Keep a copy locally too, so our own gets and listeners see it at once.
        if case .stored = storage.store(key, value, created: now, now: now, from: localAddress) {
            notifyListeners(key, storage.entry(key, id: value.id).map { [$0] } ?? [], now: now)
        }
        for family in families {
            let sk = SearchKey(key: key, family: family)
            var s = searches[sk] ?? Search(key: sk, now: now)
            s.puts.append(.init(id: op, value: value, packed: packed, created: now, permanent: permanent))
            searches[sk] = s
        }
        for family in families { stepSearch(SearchKey(key: key, family: family), now: now) }
        return op
    }

    /// Starts the lookup a put to `key` needs (the closest nodes and their write tokens) and keeps
    /// it for ``DHTConstants/preparedSearchLifetime``, so a value still being made (signed,
    /// encrypted) is announced the moment it is put instead of after a lookup.
    public func prepare(_ key: InfoHash, now: Int64) {
        for family in families {
            let sk = SearchKey(key: key, family: family)
            var s = searches[sk] ?? Search(key: sk, now: now)
            s.keepUntil = max(s.keepUntil, now + DHTConstants.preparedSearchLifetime)
            searches[sk] = s
            stepSearch(sk, now: now)
        }
    }

    /// Listens for values added under `key` (and their expiry), until cancelled.
    public func listen(_ key: InfoHash, query: Query = Query(), now: Int64) -> OperationID {
        let op = newOperation(.listen, key: key)
        for family in families {
            let sk = SearchKey(key: key, family: family)
            var s = searches[sk] ?? Search(key: sk, now: now)
            s.listens.append(.init(id: op, query: query))
            // A new listener must be registered on the storing nodes again to get existing values.
            for i in s.nodes.indices {
                if let sid = s.nodes[i].listenSocket { listenSockets[sid] = nil }
                s.nodes[i].listenRefreshAt = .distantPast
                s.nodes[i].listenSocket = nil
            }
            searches[sk] = s
        }
        let local = storage.get(key, query: query).map(\.value)
        if !local.isEmpty {
            for v in local { _ = operations[op]?.listened.add(v, from: .local) }
            emit(.listenAdded(op, local))
        }
        for family in families { stepSearch(SearchKey(key: key, family: family), now: now) }
        return op
    }

    /// Stops an operation: a listen stops being refreshed, a permanent put stops being re-announced.
    public func cancel(_ op: OperationID) {
        guard let state = operations.removeValue(forKey: op) else { return }
        for family in families {
            let sk = SearchKey(key: state.key, family: family)
            guard var s = searches[sk] else { continue }
            s.gets.removeAll { $0.id == op }
            s.puts.removeAll { $0.id == op }
            s.listens.removeAll { $0.id == op }
            if s.isIdle {
                for n in s.nodes { if let sid = n.listenSocket { listenSockets[sid] = nil } }
                searches[sk] = nil
            } else {
                searches[sk] = s
            }
        }
    }

    private func newOperation(_ kind: OperationState.Kind, key: InfoHash) -> OperationID {
        let op = OperationID(nextOperation)
        nextOperation += 1
        operations[op] = OperationState(kind: kind, key: key, remainingFamilies: families.count)
        return op
    }

    /// Source used for values we store on our own behalf.
    var localAddress: PeerAddress { PeerAddress(ip: .v4(0x7f00_0001), port: 1) }
}
