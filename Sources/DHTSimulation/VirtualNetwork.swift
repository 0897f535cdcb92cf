import DHT
import HeapModule

/// A deterministic in-process network: many ``DHTCore``s, a virtual clock, per-datagram latency
/// and loss, all drawn from one seeded generator. The same seed replays the same run exactly.
///
/// Nodes get addresses 127.a.b.c:4222 (never put on any real network). Events (deliveries and
/// timer wake-ups) come off one min-heap, O(log E) each.
public final class VirtualNetwork {
    public struct Settings: Sendable {
        public var seed: UInt64 = 1
        /// One-way latency, uniformly drawn per datagram (ms).
        public var latency: ClosedRange<Int64> = 10...60
        /// Probability that a datagram is lost.
        public var lossRate: Double = 0
        public init() {}
    }

    struct Event: Comparable {
        var at: Int64
        var seq: UInt64
        var node: Int
        /// A datagram to deliver; nil for a timer wake-up or (with `routeOnly`) routing outputs.
        var delivery: (bytes: [UInt8], from: PeerAddress)?
        var routeOnly = false

        static func == (a: Event, b: Event) -> Bool { a.at == b.at && a.seq == b.seq }
        static func < (a: Event, b: Event) -> Bool { a.at < b.at || (a.at == b.at && a.seq < b.seq) }
    }

    public let settings: Settings
    public private(set) var now: Int64
    public private(set) var nodes: [DHTCore?] = []
    public private(set) var datagramsDelivered = 0
    public private(set) var datagramsLost = 0
    var rng: DeterministicRNG
    private var events = Heap<Event>()
    private var seq: UInt64 = 0
    private var scheduledWake: [Int64] = []
    private var indexOf: [PeerAddress: Int] = [:]
    /// Events the cores emitted, per node, for the caller to inspect.
    public var onEvent: ((Int, DHTEvent) -> Void)?

    public init(settings: Settings, start: Int64 = 1_700_000_000_000) {
        self.settings = settings
        self.now = start
        self.rng = DeterministicRNG(seed: settings.seed)
    }

    public static func address(of index: Int) -> PeerAddress {
        PeerAddress(ip: .v4(0x7f00_0000 | UInt32(index + 1)), port: 4222)
    }

    /// Adds a node (online) and returns its index.
    @discardableResult
    public func addNode(config: DHTConfig = DHTConfig()) -> Int {
        var config = config
        config.randomSeed = rng.next()
        let index = nodes.count
        nodes.append(DHTCore(config: config, families: [.inet], now: now))
        scheduledWake.append(.max)
        indexOf[Self.address(of: index)] = index
        service(index)
        return index
    }

    /// Takes a node offline: its state is gone and datagrams to it are lost.
    public func removeNode(_ index: Int) {
        nodes[index] = nil
    }

    /// Brings an offline node back at its old address with a fresh core (a daemon restarted on
    /// the same port, with the id it kept).
    public func restartNode(_ index: Int, config: DHTConfig) {
        guard nodes.indices.contains(index), nodes[index] == nil else { return }
        var config = config
        config.randomSeed = rng.next()
        nodes[index] = DHTCore(config: config, families: [.inet], now: now)
        scheduledWake[index] = .max
        service(index)
    }

    public func isOnline(_ index: Int) -> Bool { nodes[index] != nil }

    /// Runs `body` on a node's core. What it produced (datagrams, events) is routed when the
    /// network next runs, so the caller can first note the operation id `body` returned.
    @discardableResult
    public func with<R>(_ index: Int, _ body: (DHTCore, Int64) -> R) -> R? {
        guard let core = nodes[index] else { return nil }
        let r = body(core, now)
        push(Event(at: now, seq: 0, node: index, delivery: nil, routeOnly: true))
        return r
    }

    /// Processes events until the clock reaches `time` (or no event is left).
    public func run(until time: Int64) {
        while let next = events.min, next.at <= time { step() }
        now = max(now, time)
    }

    /// When the next event is due; nil when none is left.
    public var nextEventTime: Int64? { events.min?.at }

    /// Processes the next event (a delivery or a timer), advancing the clock to it.
    public func step() {
        guard !events.isEmpty else { return }
        let e = events.removeMin()
        now = max(now, e.at)
        guard let core = nodes[e.node] else { return }
        if let d = e.delivery {
            core.receive(d.bytes, from: d.from, now: now)
        } else if e.routeOnly {
            // Outputs of a `with` call; nothing to feed the core.
        } else {
            guard e.at == scheduledWake[e.node] else { return }
            scheduledWake[e.node] = .max
            core.tick(now: now)
        }
        service(e.node)
    }

    /// Moves the clock forward to `time` without processing anything (the caller made sure no
    /// event is due before it).
    public func advance(to time: Int64) { now = max(now, time) }

    public func run(for milliseconds: Int64) { run(until: now + milliseconds) }

    private func service(_ index: Int) {
        guard let core = nodes[index] else { return }
        let from = Self.address(of: index)
        for output in core.takeOutputs() {
            switch output {
            case .send(let bytes, let to):
                guard let target = indexOf[to] else { continue }
                if settings.lossRate > 0 && Double.random(in: 0..<1, using: &rng) < settings.lossRate {
                    datagramsLost += 1
                    continue
                }
                datagramsDelivered += 1
                push(Event(at: now + Int64.random(in: settings.latency, using: &rng), seq: 0, node: target, delivery: (bytes, from)))
            case .event(let event):
                onEvent?(index, event)
            }
        }
        let wake = max(core.nextWakeup, now)
        if wake < scheduledWake[index] {
            scheduledWake[index] = wake
            push(Event(at: wake, seq: 0, node: index, delivery: nil))
        }
    }

    private func push(_ e: Event) {
        var e = e
        seq += 1
        e.seq = seq
        events.insert(e)
    }
}
