import NIOCore
import STUN

/// Connectivity checks: our Binding requests, the peer's, their answers and nomination.
extension ICEAgent {
    /// Takes one STUN packet from a connection. A packet that is not valid STUN closes that
    /// connection (the session goes on with the others); one that fails integrity is answered
    /// with an error and otherwise ignored.
    public mutating func received(_ id: ConnectionID, _ packet: [UInt8], now: Int64) {
        guard failure == nil, connections[id] != nil else { return }
        let m: STUNMessage
        do {
            m = try STUNMessage(parsing: packet)
        } catch {
            drop(id, now: now)
            return
        }
        guard m.method == .binding else { return }
        switch m.class {
        case .request: request(m, on: id, now: now)
        case .success, .error: answer(m, on: id, now: now)
        case .indication: break
        }
    }

    private mutating func request(_ m: STUNMessage, on id: ConnectionID, now: Int64) {
        let prefix = Array((local.ufrag + ":").utf8)
        guard let user = m.attribute(.username), user.starts(with: prefix), (try? m.checkIntegrity(key: Array(local.password.utf8))) != nil else {
            reply(.error, to: m, on: id) { $0.appendErrorCode(401, "Unauthorized") }
            return
        }
        if let remote, !user.dropFirst(prefix.count).elementsEqual(remote.ufrag.utf8) {
            reply(.error, to: m, on: id) { $0.appendErrorCode(401, "Unauthorized") }
            return
        }
        // Role conflicts, RFC 8445 §7.3.1.1: the larger tie-breaker keeps controlling.
        if role == .controlling, let theirs = m.uint64(.iceControlling) {
            if tieBreaker >= theirs {
                reply(.error, to: m, on: id) { $0.appendErrorCode(487, "Role Conflict") }
                return
            }
            role = .controlled
        } else if role == .controlled, let theirs = m.uint64(.iceControlled) {
            if tieBreaker >= theirs {
                role = .controlling
            } else {
                reply(.error, to: m, on: id) { $0.appendErrorCode(487, "Role Conflict") }
                return
            }
        }
        guard let c = connections[id] else { return }
        reply(.success, to: m, on: id) { $0.appendXORAddress(.xorMappedAddress, c.remote) }
        connections[id]!.peerPriority = m.uint32(.priority) ?? 0
        if m.has(.useCandidate), role == .controlled { connections[id]!.nominatedByPeer = true }
        if selected == nil, !c.valid, c.check == nil { sendCheck(on: id, now: now) }
        evaluate(now: now)
    }

    private mutating func answer(_ m: STUNMessage, on id: ConnectionID, now: Int64) {
        guard transactions[m.transactionID] == id, let remote, let check = connections[id]?.check else { return }
        guard (try? m.checkIntegrity(key: Array(remote.password.utf8))) != nil else { return }
        transactions[m.transactionID] = nil
        connections[id]!.check = nil
        if m.class == .error {
            if m.errorCode?.code == 487 {
                role = role == .controlling ? .controlled : .controlling
                sendCheck(on: id, now: now)
            } else {
                drop(id, now: now)
            }
            return
        }
        connections[id]!.valid = true
        if firstValidAt == nil { firstValidAt = now }
        if check.nominate, role == .controlling {
            select(id, now: now)
            return
        }
        evaluate(now: now)
    }

    /// Sends our check on a connection (nominating when asked); waits for the peer's
    /// description if it has not come yet.
    mutating func sendCheck(on id: ConnectionID, nominate: Bool = false, now: Int64) {
        guard let remote, var c = connections[id], c.open else { return }
        var m = STUNMessage(method: .binding, class: .request)
        m.append(.username, Array("\(remote.ufrag):\(local.ufrag)".utf8))
        m.appendUInt32(.priority, ICECandidate(kind: .prflx, tcpType: c.local.tcpType, address: c.local.address).priority)
        m.appendUInt64(role == .controlling ? .iceControlling : .iceControlled, tieBreaker)
        if nominate { m.append(.useCandidate, []) }
        if let old = c.check { transactions[old.id] = nil }
        c.check = (m.transactionID, now, nominate)
        connections[id] = c
        transactions[m.transactionID] = id
        outputs.append(.send(id, m.encoded(integrityKey: Array(remote.password.utf8), fingerprint: true)))
    }

    private mutating func reply(_ cls: STUNMessage.Class, to request: STUNMessage, on id: ConnectionID, _ fill: (inout STUNMessage) -> Void) {
        var r = STUNMessage(method: .binding, class: cls, transactionID: request.transactionID)
        fill(&r)
        outputs.append(.send(id, r.encoded(integrityKey: Array(local.password.utf8), fingerprint: true)))
    }

    private mutating func drop(_ id: ConnectionID, now: Int64) {
        outputs.append(.close(id))
        closed(id, now: now)
    }

    /// Nominates (controlling), completes (controlled), or gives up.
    mutating func evaluate(now: Int64) {
        guard selected == nil, failure == nil else { return }
        switch role {
        case .controlled:
            if let (id, _) = connections.first(where: { $0.value.valid && $0.value.nominatedByPeer }) { select(id, now: now) }
        case .controlling:
            guard nominating == nil, let first = firstValidAt else { break }
            let pending = !waiting.isEmpty || !retrying.isEmpty || connections.values.contains { !$0.valid && ($0.check != nil || !$0.open) }
            guard !pending || now >= first + config.nominationDelay else { break }
            let best = connections.filter { $0.value.valid }.max { priority(of: $0.value) < priority(of: $1.value) }
            if let (id, _) = best {
                nominating = id
                sendCheck(on: id, nominate: true, now: now)
            }
        }
        if selected == nil, remote != nil, waiting.isEmpty, retrying.isEmpty, connections.isEmpty,
           !local.candidates.contains(where: { $0.tcpType == .passive }) {
            fail(.noValidPair)
        }
    }

    private func priority(of c: Connection) -> UInt64 {
        pairPriority(local: c.local.priority, remote: c.remoteCandidate?.priority ?? c.peerPriority)
    }

    private mutating func select(_ id: ConnectionID, now: Int64) {
        guard let c = connections[id] else { return }
        selected = id
        for other in connections.keys.sorted() where other != id { outputs.append(.close(other)) }
        connections = [id: c]
        transactions = transactions.filter { $0.value == id }
        waiting = []
        nextKeepalive = now + config.keepaliveInterval
        let remoteKind = c.remoteCandidate?.kind
            ?? remote?.candidates.first { $0.address.ipAddress == c.remote.ipAddress }?.kind
            ?? .prflx
        let order: [ICECandidate.Kind] = [.host, .prflx, .srflx, .relay]
        let kind = max(order.firstIndex(of: c.local.kind)!, order.firstIndex(of: remoteKind)!)
        outputs.append(.completed(id, SelectedPair(local: c.local, remote: c.remote, kind: order[kind])))
    }
}
