import DaemonWire
import Contacts
import DHT
import DHTSimulation
import Daemon
import Identity
import SecureDHT

/// One run of a ``StackScenario``, inside its ``Simulation``.
///
/// Safety of `@unchecked Sendable`: a run lives on its simulation's thread; every task that
/// touches it was spawned on the simulation's executor.
final class StackRun: @unchecked Sendable {
    let scenario: StackScenario
    let sim: Simulation
    let pool: IdentityPool
    var rng: DeterministicRNG
    var accounts: [SimulatedAccount] = []
    var infrastructure: [SimulatedDHTNode] = []
    let start: Int64
    var trace = Trace()
    private var accountIndex: [PublicKeyID: Int] = [:]
    private var deviceIndex: [PublicKeyID: Int] = [:]

    struct Pair: Hashable, Comparable {
        var from: Int
        var to: Int
        static func < (a: Pair, b: Pair) -> Bool { (a.from, a.to) < (b.from, b.to) }
    }

    /// When each honest request was made, and when its receiver saw it.
    var added: [Pair: Int64] = [:]
    var delivered: [Pair: Int64] = [:]
    var accepted: Set<Pair> = []
    var confirmed: Set<Pair> = []
    var presenceSamples = 0
    var presenceCorrect = 0
    var hostileRequestsShown = 0
    /// Connection requests from attackers that reached an honest account (proof the attacks land).
    var attacksSeen = 0

    init(scenario: StackScenario, simulation: Simulation, pool: IdentityPool) {
        self.scenario = scenario
        sim = simulation
        self.pool = pool
        rng = DeterministicRNG(seed: scenario.seed ^ 0x5ac5_7ac4)
        start = simulation.now
    }

    var elapsed: Int64 { sim.now - start }

    /// Sleeps until `offset` ms after the start (at once when it has passed).
    func sleep(until offset: Int64) async {
        let wait = offset - elapsed
        if wait > 0 { try? await sim.clock.sleep(for: .milliseconds(wait)) }
    }

    func spawn(_ body: @escaping @Sendable () async -> Void) {
        sim.scheduler.spawn(body)
    }

    /// Builds the network and the accounts, starts every behaviour, and waits out the duration.
    func run() async {
        let n = scenario.accounts
        let infra = scenario.infrastructureNodes > 0 ? scenario.infrastructureNodes : max(8, n / 5)
        for i in 0..<infra {
            var config = DHTConfig()
            config.isBootstrapNode = i == 0
            SecureDHTNode.enforcePolicies(on: &config)
            let node = sim.addNode(config: config)
            if i > 0 {
                let via = infrastructure[Int.random(in: 0..<infrastructure.count, using: &rng)].localAddress
                spawn { try? await node.bootstrap([via], timeout: .seconds(30)) }
            }
            infrastructure.append(node)
        }
        await sleep(until: 20_000)
        let hostileCount = Int(Double(n) * scenario.hostile)
        var hostile = Set<Int>()
        while hostile.count < hostileCount { hostile.insert(Int.random(in: 0..<n, using: &rng)) }
        for i in 0..<n {
            let via = infrastructure[Int.random(in: 0..<infrastructure.count, using: &rng)].localAddress
            do {
                let account = try SimulatedAccount(index: i, member: pool.members[i], hostile: hostile.contains(i), simulation: sim,
                                                   bootstrap: [via], nodeId: InfoHash.random(using: &rng), announcementId: rng.next())
                accounts.append(account)
                accountIndex[account.id] = i
                deviceIndex[account.device] = i
            } catch {
                trace.note(at: elapsed, "account \(i) not built: \(error)")
                return
            }
        }
        for account in accounts { observe(account) }
        planLives()
        planRequests()
        planAttacks()
        planPresenceSamples()
        await sleep(until: scenario.duration)
        for account in accounts where account.online {
            account.online = false
            await account.runtime.stop()
        }
        for node in infrastructure { await node.shutdown() }
    }

    /// Joins over the first two minutes; the churning share goes offline once, between 5 and
    /// 45 minutes in, for 2 to 20 minutes.
    private func planLives() {
        let churning = Int(Double(accounts.count) * scenario.churn)
        var order = accounts.filter { !$0.hostile }.map(\.index)
        order.shuffle(using: &rng)
        let churners = Set(order.prefix(churning))
        for account in accounts {
            let joinAt = 20_000 + Int64.random(in: 0..<120_000, using: &rng)
            let off: (at: Int64, for: Int64)? = churners.contains(account.index)
                ? (Int64.random(in: 300_000..<2_700_000, using: &rng), Int64.random(in: 120_000..<1_200_000, using: &rng)) : nil
            spawn { [self] in
                await sleep(until: joinAt)
                await bringOnline(account)
                guard let off else { return }
                await sleep(until: off.at)
                account.online = false
                trace.line(at: elapsed, account.index, "offline")
                await account.runtime.stop()
                await sleep(until: off.at + off.for)
                await bringOnline(account)
            }
        }
    }

    private func bringOnline(_ account: SimulatedAccount) async {
        trace.line(at: elapsed, account.index, "online")
        account.online = true
        do {
            try await account.runtime.start()
        } catch {
            trace.line(at: elapsed, account.index, "start failed: \(error)")
        }
    }

    /// Each honest account asks `requestsPerAccount` others, between 3 and 15 minutes in; one
    /// request per pair of accounts (either direction).
    private func planRequests() {
        let honest = accounts.filter { !$0.hostile }.map(\.index)
        guard honest.count > 1 else { return }
        var pairs = Set<Pair>()
        for from in honest {
            var tries = 0
            var made = 0
            while made < scenario.requestsPerAccount && tries < 20 * scenario.requestsPerAccount {
                tries += 1
                let to = honest[Int.random(in: 0..<honest.count, using: &rng)]
                guard to != from, !pairs.contains(Pair(from: from, to: to)), !pairs.contains(Pair(from: to, to: from)) else { continue }
                pairs.insert(Pair(from: from, to: to))
                made += 1
                let at = Int64.random(in: 180_000..<900_000, using: &rng)
                spawn { [self] in
                    await sleep(until: at)
                    let pair = Pair(from: from, to: to)
                    added[pair] = elapsed
                    trace.line(at: elapsed, from, "add", peer: to)
                    do {
                        try await accounts[from].runtime.contacts.add(accounts[to].id)
                    } catch {
                        trace.line(at: elapsed, from, "add failed: \(error)", peer: to)
                    }
                }
            }
        }
    }

    /// Follows an account's events into the trace and the figures, and answers requests: 80 %
    /// accepted, 10 % declined, 10 % banned, 1 to 30 s after they arrive.
    private func observe(_ account: SimulatedAccount) {
        let events = account.events.subscribe()
        spawn { [self] in
            for await e in events {
                let peer = e.peer.flatMap { PublicKeyID(hex: $0) }.flatMap { accountIndex[$0] }
                trace.event(at: elapsed, account.index, e, peer: peer, device: e.device.flatMap { PublicKeyID(hex: $0) }.flatMap { deviceIndex[$0] })
                switch e.type {
                case .requestReceived:
                    guard let peer else { break }
                    if accounts[peer].hostile { hostileRequestsShown += 1; break }
                    let pair = Pair(from: peer, to: account.index)
                    if added[pair] != nil, delivered[pair] == nil { delivered[pair] = elapsed }
                    if !account.hostile { answer(pair) }
                case .contactConfirmed:
                    if let peer { confirmed.insert(Pair(from: account.index, to: peer)) }
                case .connectionRefused:
                    if !account.hostile { attacksSeen += 1 }
                default: break
                }
            }
        }
    }

    private func answer(_ pair: Pair) {
        let roll = Int.random(in: 0..<10, using: &rng)
        let delay = Int64.random(in: 1_000..<30_000, using: &rng)
        let at = elapsed + delay
        spawn { [self] in
            await sleep(until: at)
            let receiver = accounts[pair.to], sender = accounts[pair.from]
            do {
                switch roll {
                case 0:
                    trace.line(at: elapsed, pair.to, "decline", peer: pair.from)
                    try await receiver.runtime.contacts.decline(sender.id)
                case 1:
                    trace.line(at: elapsed, pair.to, "ban", peer: pair.from)
                    try await receiver.runtime.contacts.remove(sender.id, ban: true)
                default:
                    trace.line(at: elapsed, pair.to, "accept", peer: pair.from)
                    accepted.insert(pair)
                    try await receiver.runtime.contacts.accept(sender.id)
                }
            } catch {
                trace.line(at: elapsed, pair.to, "answer failed: \(error)", peer: pair.from)
            }
        }
    }

    /// Once a minute from 20 minutes in: each online honest account's view of each confirmed
    /// contact against whether that contact runs.
    private func planPresenceSamples() {
        spawn { [self] in
            var at: Int64 = 1_200_000
            while at < scenario.duration {
                await sleep(until: at)
                for observer in accounts where observer.online && !observer.hostile {
                    guard let views = try? await observer.runtime.contacts.contactViews() else { continue }
                    for v in views where v.confirmed && v.state == .active {
                        guard let id = PublicKeyID(hex: v.id), let peer = accountIndex[id] else { continue }
                        presenceSamples += 1
                        if v.online == accounts[peer].online { presenceCorrect += 1 }
                    }
                }
                at += 60_000
            }
        }
    }
}
