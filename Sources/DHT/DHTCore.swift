/// A complete OpenDHT-compatible node with no I/O: it consumes datagrams and clock readings and
/// produces datagrams to send and events for its driver (a UDP adapter or the simulation).
///
/// Time is always a parameter (milliseconds since the Unix epoch), randomness comes from a seeded
/// generator, so the same inputs replay the same outputs. The core is not thread-safe: one driver
/// owns it and calls it from one thread or event loop.
///
/// ```swift
/// let core = DHTCore(config: config, families: [.inet], now: clock())
/// core.bootstrap(PeerAddress(hostPort: "127.0.0.1:4222")!, now: clock())
/// for output in core.takeOutputs() { ... }        // send datagrams, deliver events
/// core.receive(bytes, from: sender, now: clock())  // on every datagram
/// core.tick(now: clock())                          // at core.nextWakeup
/// ```
public final class DHTCore {
    public let config: DHTConfig
    public let nodeId: InfoHash
    public let families: [AddressFamily]
    var rng: DeterministicRNG
    let encoder: MessageEncoder
    var table4: RoutingTable
    var table6: RoutingTable
    var storage: Storage
    var remoteListeners: RemoteListeners
    var tokens: WriteTokens
    var limiter: RateLimiter
    var assembler: ValuePartAssembler
    var pending = PendingRequests()
    var newcomers = NewcomerProbes()
    var searches: [SearchKey: Search] = [:]
    var listenSockets: [UInt32: SearchKey] = [:]
    var operations: [OperationID: OperationState] = [:]
    var outputs: [DHTOutput] = []
    var stats = DHTStatistics()
    var reported = ReportedAddresses()
    var nextTid: UInt32
    var nextOperation: UInt64 = 1
    var bootstrapAddresses: [PeerAddress] = []
    var nextBootstrap: Int64 = .max
    var bootstrapInterval: Int64 = 10_000
    var nextMaintenance: Int64
    var nextHousekeeping: Int64
    var lastNow: Int64

    /// Creates a node. `families` lists the address families the driver can send on.
    public init(config: DHTConfig, families: [AddressFamily] = [.inet], now: Int64) {
        var seedSource = SystemRandomNumberGenerator()
        var rng = DeterministicRNG(seed: config.randomSeed ?? seedSource.next())
        self.config = config
        self.nodeId = config.nodeId ?? InfoHash.random(using: &rng)
        self.families = families
        self.encoder = MessageEncoder(nodeId: nodeId, network: config.network)
        self.table4 = RoutingTable(ownId: nodeId, family: .inet, now: now)
        self.table6 = RoutingTable(ownId: nodeId, family: .inet6, now: now)
        if config.isBootstrapNode {
            table4.splitsOtherBucketsUpToDepth = 6
            table6.splitsOtherBucketsUpToDepth = 6
        }
        self.storage = Storage(config: config)
        self.remoteListeners = RemoteListeners(
            maxPerKey: config.maxListenersPerKey, maxTotal: config.maxListeners, maxPerKeyPerAddress: config.maxListenersPerKeyPerAddress)
        self.assembler = ValuePartAssembler(limits: .init(
            maxSessions: config.maxPartSessions, maxSessionsPerSource: config.maxPartSessionsPerSource,
            maxBytes: config.maxPartBytes, maxBytesPerSource: config.maxPartBytesPerSource))
        table4.maxPerSubnetPerBucket = config.maxNodesPerSubnetPerBucket
        table6.maxPerSubnetPerBucket = config.maxNodesPerSubnetPerBucket
        self.tokens = WriteTokens(now: now, rng: &rng)
        self.limiter = RateLimiter(perIP: config.maxRequestsPerSecondPerIP, global: config.maxRequestsPerSecond)
        self.nextTid = UInt32(truncatingIfNeeded: rng.next())
        self.nextMaintenance = now + Int64.random(in: 3_000...5_000, using: &rng)
        self.nextHousekeeping = now + 1_000
        self.lastNow = now
        self.rng = rng
    }

    /// Everything the core asked for since the last call, in order.
    public func takeOutputs() -> [DHTOutput] {
        defer { outputs.removeAll(keepingCapacity: true) }
        return outputs
    }

    /// Whether outputs are waiting.
    public var hasOutputs: Bool { !outputs.isEmpty }

    /// When the driver should next call ``tick(now:)``.
    public var nextWakeup: Int64 {
        min(pending.nextDeadline ?? .max, nextHousekeeping, nextMaintenance, nextBootstrap)
    }

    public var statistics: DHTStatistics {
        var s = stats
        s.goodNodes4 = table4.goodNodeCount(now: lastNow)
        s.goodNodes6 = table6.goodNodeCount(now: lastNow)
        s.knownNodes4 = table4.nodeCount
        s.knownNodes6 = table6.nodeCount
        s.storedKeys = storage.keyCount
        s.storedValues = storage.valueCount
        s.storedBytes = storage.totalBytes
        s.remoteListeners = remoteListeners.count
        s.partSessions = assembler.sessionCount + assembler.earlyCount
        s.partBytes = assembler.bytes
        s.searches = searches.count
        let reportedIPs = reported.addresses.compactMap { PeerAddress(addressBytes: $0, port: 0)?.hostString }
        s.publicAddresses = reportedIPs.isEmpty ? nil : reportedIPs
        s.pendingRequests = pending.count
        return s
    }

    /// Whether at least one good node is known.
    public var isConnected: Bool {
        table4.goodNodeCount(now: lastNow) + table6.goodNodeCount(now: lastNow) > 0
    }

    func table(_ family: AddressFamily) -> RoutingTable { family == .inet ? table4 : table6 }

    func withTable<R>(_ family: AddressFamily, _ body: (inout RoutingTable) -> R) -> R {
        family == .inet ? body(&table4) : body(&table6)
    }

    // MARK: Input

    /// Handles one datagram received from `source`.
    ///
    /// Everything is rate-limited (§8.8) except answers to requests we sent to that address: the
    /// datagram's head is read first (keys scanned, values skipped, nothing allocated), so a flood
    /// costs one scan and two table lookups per datagram whatever shape it takes.
    public func receive(_ bytes: [UInt8], from source: PeerAddress, now: Int64) {
        lastNow = max(lastNow, now)
        stats.datagramsReceived += 1
        guard !source.isMartian else { stats.droppedForeign += 1; return }
        let head = MessageParser.peekHead(bytes)
        let expected: Bool
        switch head.kind {
        case .answer: expected = head.tid.map { pending.request($0)?.address == source } ?? false
        case .valueParts: expected = head.tid.map { assembler.isAnswerSession(tid: $0, from: source) || pending.request($0)?.address == source } ?? false
        case .other: expected = false
        }
        if !expected && !limiter.allow(source.ip, now: now) {
            stats.droppedRateLimited += 1
            return
        }
        let msg: WireMessage
        do {
            msg = try MessageParser.parse(bytes)
        } catch {
            stats.droppedMalformed += 1
            return
        }
        guard msg.network == config.network else { stats.droppedForeign += 1; return }
        if msg.kind == .valueParts {
            switch assembler.add(msg.parts, tid: msg.tid, from: source, now: now) {
            case .complete(let whole): dispatch(whole, from: source, now: now)
            case .overBudget: stats.droppedPartSessions += 1
            case .noSession:
                // Ahead of its header: kept for it when it answers one of our requests.
                if expected && !assembler.holdEarly(msg.parts, tid: msg.tid, from: source, now: now) { stats.droppedPartSessions += 1 }
            case .incomplete: break
            }
            return
        }
        guard msg.senderId != nodeId else { stats.droppedForeign += 1; return }
        stats.valuesRejected += msg.droppedValues
        if !msg.valueSizes.isEmpty {
            guard assembler.begin(msg, from: source, isAnswer: expected, now: now) else {
                stats.droppedPartSessions += 1
                return
            }
            switch assembler.addEarly(tid: msg.tid, from: source, now: now) {
            case .complete(let whole): dispatch(whole, from: source, now: now)
            case .overBudget: stats.droppedPartSessions += 1
            case .incomplete, .noSession: break
            }
            return
        }
        dispatch(msg, from: source, now: now)
    }

    func dispatch(_ msg: WireMessage, from source: PeerAddress, now: Int64) {
        switch msg.kind {
        case .query(let method):
            if !msg.isClient {
                noteNode(msg.senderId, source, now: now, replied: false)
            }
            handleQuery(method, msg, from: source, now: now)
        case .reply:
            handleReply(msg, from: source, now: now)
        case .error:
            handleError(msg, from: source, now: now)
        case .valueParts:
            break
        }
    }

    // MARK: Output helpers

    func send(_ bytes: [UInt8], to address: PeerAddress) {
        stats.datagramsSent += 1
        outputs.append(.send(bytes, to: address))
    }

    func emit(_ event: DHTEvent) {
        outputs.append(.event(event))
    }

    func makeTid() -> UInt32 {
        nextTid &+= 1
        if nextTid == 0 { nextTid = 1 }
        return nextTid
    }

    /// Sends a request and tracks it for retransmission.
    func sendRequest(_ datagrams: [[UInt8]], method: WireMessage.QueryMethod, tid: UInt32, to address: PeerAddress, nodeId: InfoHash?, purpose: PendingRequests.Purpose, now: Int64) {
        for d in datagrams { send(d, to: address) }
        switch method {
        case .get: stats.getRequestsSent += 1
        case .put: stats.putRequestsSent += 1
        case .refresh: stats.refreshRequestsSent += 1
        default: break
        }
        let deadline = now + PendingRequests.wait(afterAttempt: 1, rng: &rng)
        pending.add(tid: tid, .init(nodeId: nodeId, address: address, method: method, datagrams: datagrams, attempts: 1, deadline: deadline, purpose: purpose))
    }

    /// Records a node we heard from (`replied`: it answered us).
    func noteNode(_ id: InfoHash, _ address: PeerAddress, now: Int64, replied: Bool) {
        let outcome = withTable(address.family) { $0.insert(id: id, address: address, now: now, replied: replied) }
        switch outcome {
        case .pingQuestionable(let q) where !pending.isPinging(q.address):
            let tid = makeTid()
            sendRequest([encoder.ping(tid: tid)], method: .ping, tid: tid, to: q.address, nodeId: q.id, purpose: .ping, now: now)
        case .inserted where !replied:
            // A newcomer that contacted us is only advertised once it has answered us (§8.1):
            // ask it in a little while (see NewcomerProbes) rather than waiting for a lookup to
            // pass by. One probe per address at a time, so fresh ids from one socket do not turn
            // us into a ping reflector.
            newcomers.schedule(address, now: now)
        default:
            break
        }
    }

    /// Records a node another node told us about; it becomes good only once it answers us.
    func learnNode(_ entry: WireMessage.NodeEntry, reporter: PeerAddress, now: Int64) -> WireMessage.NodeEntry? {
        var entry = entry
        guard entry.id != nodeId else { return nil }
        if entry.address.isLoopback && !reporter.isLoopback && entry.address.family == reporter.family {
            entry.address = PeerAddress(ip: reporter.ip, port: entry.address.port)
        }
        guard !entry.address.isMartian, families.contains(entry.address.family) else { return nil }
        if table(entry.address.family).node(entry.id) == nil {
            withTable(entry.address.family) { t in
                if case .inserted = t.insert(id: entry.id, address: entry.address, now: now, replied: false) {
                    // Heard of, not heard from: it must answer before it counts as good.
                    t.forgetHeard(entry.id)
                }
            }
        }
        return entry
    }
}

/// Aggregates one user operation across address families.
struct OperationState {
    enum Kind { case get, put, listen }
    var kind: Kind
    var key: InfoHash
    var remainingFamilies: Int
    var permanent = false
    var success = false
    var storedOn = 0
    var seen: Set<UInt64> = []
    /// What a listen operation has reported, and who holds it.
    var listened = ListenCache()
}
