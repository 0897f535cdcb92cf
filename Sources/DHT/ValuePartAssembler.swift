/// Reassembles messages whose values travel as parts (§2.10). A session is keyed by tid and source
/// address and dies 3 s after its last part or 10 s after it began. Announced sizes above
/// 64 KiB + 32 are refused.
///
/// Datagrams overtake each other (on the Internet, and always in the simulation, whose latency is
/// drawn per datagram): OpenDHT 2.4.12 drops a part that comes before the one it expects, and the
/// parts of an answer that come before its header, so a reply with a certificate in it was lost
/// whenever one part overtook another, and a get could end, before the retry answered, with every
/// holder of the value counted late. Here a part ahead of a gap is held until the gap fills, and
/// the parts of an answer to one of our requests that come before its header wait for it (3 s).
/// Both are charged to the byte budgets below, with ``aheadCost`` of bookkeeping per part held.
///
/// Memory is committed only for bytes received, never for sizes announced (issue #13: a 4 KiB
/// header announcing 1,345 values of 64 KiB must not cost 88 MB). What a session holds (its parts
/// plus 16 bytes per announced value for the header) counts against a per-source-IP and a global
/// byte budget; a session that would exceed either is dropped whole. Sessions are capped globally
/// and per source; a full table makes room by dropping the oldest session of the source holding
/// the most, answers to our own requests before anything else.
///
/// Complexity: a part costs O(1) plus its bytes; starting a session is O(1), O(S) when the table is
/// full (S ≤ ``Limits/maxSessions``).
struct ValuePartAssembler {
    struct Limits: Sendable {
        var maxSessions = 256
        var maxSessionsPerSource = 32
        var maxBytes = 32 << 20
        var maxBytesPerSource = 4 << 20
    }

    enum Outcome: Equatable {
        /// More parts are awaited (or the part was out of order and ignored).
        case incomplete
        /// Every value arrived; the message carries them decoded.
        case complete(WireMessage)
        /// No session for this tid and source.
        case noSession
        /// The session went over a byte budget and was dropped.
        case overBudget
    }

    private struct Key: Hashable {
        var tid: UInt32
        var from: PeerAddress
    }

    private struct Session {
        var message: WireMessage
        var buffers: [[UInt8]]
        /// Parts that came ahead of a gap, per value by offset; moved into `buffers` when it fills.
        var ahead: [[Int: [UInt8]]]
        var started: Int64
        var lastPart: Int64
        var isAnswer: Bool
        /// Bytes this session holds: parts received plus its header's bookkeeping.
        var cost: Int
    }

    /// Parts of an answer whose header is still on its way.
    private struct Early {
        var parts: [WireMessage.ValuePart] = []
        var cost = 0
        var at: Int64
    }

    private var sessions: [Key: Session] = [:]
    private var early: [Key: Early] = [:]
    private var sessionsBySource: [PeerAddress.IP: Int] = [:]
    private var bytesBySource: [PeerAddress.IP: Int] = [:]
    private(set) var bytes = 0
    let limits: Limits
    static let maxValueSize = Value.maxPayloadSize + 32
    static let headerCostPerValue = 16
    /// Bookkeeping charged for each part held out of order.
    static let aheadCost = 32
    /// Answers whose parts may wait for their header at once.
    static let maxEarly = 64

    init(limits: Limits = Limits()) { self.limits = limits }

    var sessionCount: Int { sessions.count }
    /// Answers whose parts wait for their header.
    var earlyCount: Int { early.count }

    /// Whether `tid` from `from` continues a session that answers one of our requests.
    func isAnswerSession(tid: UInt32, from: PeerAddress) -> Bool {
        sessions[Key(tid: tid, from: from)]?.isAnswer == true
    }

    /// Opens a session for a message that announced value sizes. Returns false if refused.
    mutating func begin(_ message: WireMessage, from: PeerAddress, isAnswer: Bool = false, now: Int64) -> Bool {
        guard message.valueSizes.allSatisfy({ $0 <= Self.maxValueSize }) else { return false }
        let cost = message.valueSizes.count * Self.headerCostPerValue
        // A session that could never complete within the budget is not worth opening.
        let announced = message.valueSizes.reduce(cost, +)
        guard announced <= limits.maxBytesPerSource, announced <= limits.maxBytes else { return false }
        let key = Key(tid: message.tid, from: from)
        guard sessions[key] == nil else { return false }
        guard sessionsBySource[from.ip, default: 0] < limits.maxSessionsPerSource else { return false }
        if sessions.count >= limits.maxSessions {
            expire(now: now)
            if sessions.count >= limits.maxSessions, !makeRoom(for: from.ip, isAnswer: isAnswer) { return false }
        }
        guard fits(cost, from: from.ip) else { return false }
        sessions[key] = Session(
            message: message, buffers: Array(repeating: [], count: message.valueSizes.count),
            ahead: Array(repeating: [:], count: message.valueSizes.count),
            started: now, lastPart: now, isAnswer: isAnswer, cost: cost)
        sessionsBySource[from.ip, default: 0] += 1
        charge(cost, to: from.ip)
        return true
    }

    /// Adds parts; reports the completed message (with its values decoded) once every value is whole.
    /// A part that repeats or overlaps what is here is ignored.
    mutating func add(_ parts: [WireMessage.ValuePart], tid: UInt32, from: PeerAddress, now: Int64) -> Outcome {
        let key = Key(tid: tid, from: from)
        guard var s = sessions[key] else { return .noSession }
        for p in parts {
            guard p.index < s.buffers.count, p.offset + p.data.count <= s.message.valueSizes[p.index] else { continue }
            let have = s.buffers[p.index].count
            let cost = p.offset == have ? p.data.count : p.data.count + Self.aheadCost
            guard p.offset >= have, s.ahead[p.index][p.offset] == nil else { continue }
            guard fits(cost, from: from.ip) else {
                sessions[key] = s
                close(key)
                return .overBudget
            }
            s.cost += cost
            charge(cost, to: from.ip)
            guard p.offset == have else {
                s.ahead[p.index][p.offset] = p.data
                continue
            }
            s.buffers[p.index].append(contentsOf: p.data)
            while let next = s.ahead[p.index].removeValue(forKey: s.buffers[p.index].count) {
                s.buffers[p.index].append(contentsOf: next)
                s.cost -= Self.aheadCost
                charge(-Self.aheadCost, to: from.ip)
            }
        }
        s.lastPart = now
        let complete = zip(s.buffers, s.message.valueSizes).allSatisfy { $0.count == $1 }
        sessions[key] = s
        guard complete else { return .incomplete }
        close(key)
        var msg = s.message
        msg.valueSizes = []
        for b in s.buffers {
            if let v = try? Value(packed: b) { msg.values.append(v) } else { msg.droppedValues += 1 }
        }
        return .complete(msg)
    }

    /// Keeps parts that came before their header, when they answer one of our requests (the
    /// caller checked the tid and the address). Returns false when they do not fit.
    mutating func holdEarly(_ parts: [WireMessage.ValuePart], tid: UInt32, from: PeerAddress, now: Int64) -> Bool {
        let key = Key(tid: tid, from: from)
        let cost = parts.reduce(0) { $0 + $1.data.count + Self.aheadCost }
        guard early[key] != nil || early.count < Self.maxEarly, fits(cost, from: from.ip) else { return false }
        early[key, default: Early(at: now)].parts += parts
        early[key]?.cost += cost
        charge(cost, to: from.ip)
        return true
    }

    /// Adds the parts that came before the header of the session `begin` just opened.
    mutating func addEarly(tid: UInt32, from: PeerAddress, now: Int64) -> Outcome {
        let key = Key(tid: tid, from: from)
        guard let e = early.removeValue(forKey: key) else { return .incomplete }
        charge(-e.cost, to: from.ip)
        return add(e.parts, tid: tid, from: from, now: now)
    }

    mutating func expire(now: Int64) {
        for (key, s) in sessions where now - s.lastPart >= DHTConstants.partReceiveTimeout || now - s.started >= DHTConstants.partSessionMaxTime {
            close(key)
        }
        for (key, e) in early where now - e.at >= DHTConstants.partReceiveTimeout {
            early[key] = nil
            charge(-e.cost, to: key.from.ip)
        }
    }

    // MARK: Budgets

    private func fits(_ n: Int, from ip: PeerAddress.IP) -> Bool {
        bytes + n <= limits.maxBytes && bytesBySource[ip, default: 0] + n <= limits.maxBytesPerSource
    }

    /// Adds `n` bytes (a refund when negative) to the totals.
    private mutating func charge(_ n: Int, to ip: PeerAddress.IP) {
        bytes += n
        let left = bytesBySource[ip, default: 0] + n
        bytesBySource[ip] = left > 0 ? left : nil
    }

    private mutating func close(_ key: Key) {
        guard let s = sessions.removeValue(forKey: key) else { return }
        let ip = key.from.ip
        bytes -= s.cost
        let left = bytesBySource[ip, default: 0] - s.cost
        bytesBySource[ip] = left > 0 ? left : nil
        let n = sessionsBySource[ip, default: 0] - 1
        sessionsBySource[ip] = n > 0 ? n : nil
    }

    /// Drops one session to make room: the oldest that does not answer us if the newcomer does,
    /// else the oldest of the source with the most sessions, if that source is not the newcomer's
    /// and holds more than it.
    private mutating func makeRoom(for ip: PeerAddress.IP, isAnswer: Bool) -> Bool {
        if isAnswer, let victim = sessions.filter({ !$0.value.isAnswer }).min(by: { $0.value.started < $1.value.started }) {
            close(victim.key)
            return true
        }
        guard let (heaviest, n) = sessionsBySource.max(by: { $0.value < $1.value }), heaviest != ip,
              n > sessionsBySource[ip, default: 0] + 1,
              let victim = sessions.filter({ $0.key.from.ip == heaviest }).min(by: { $0.value.started < $1.value.started }) else { return false }
        close(victim.key)
        return true
    }
}
