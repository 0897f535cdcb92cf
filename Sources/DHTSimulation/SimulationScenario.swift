import DHT

/// Operation ids are per node, so results are keyed by both.
struct NodeOperation: Hashable {
    var node: Int
    var op: OperationID
}

/// The standard scenario: grow a network, store values, knock out a share of the nodes, and
/// look every value up from surviving nodes, under packet loss.
public struct SimulationScenario: Sendable {
    public var nodeCount = 5_000
    public var valueCount = 200
    public var churn = 0.30
    public var lossRate = 0.05
    public var seed: UInt64 = 42
    /// Simulated time over which nodes join, and settle afterwards (ms).
    public var joinPeriod: Int64 = 120_000
    public var settlePeriod: Int64 = 180_000

    public init() {}

    /// What a run measured.
    public struct Report: Sendable, Codable {
        public var nodes: Int
        public var values: Int
        public var churn: Double
        public var lossRate: Double
        public var putsAcknowledged: Int
        public var lookups: Int
        public var lookupsSucceeded: Int
        public var successRate: Double
        /// Mean sequential request rounds until the value arrived: that time over the mean round trip.
        public var meanHops: Double
        /// Get requests sent by the asking nodes, per lookup (nodes contacted, retransmissions excluded).
        public var meanRequestsPerLookup: Double
        /// Mean time until the lookup completed (it waits out unresponsive nodes among the closest).
        public var meanLookupMilliseconds: Double
        /// Mean time until the value arrived.
        public var meanFirstValueMilliseconds: Double
        public var simulatedSeconds: Double
        public var datagrams: Int
        public var datagramsLost: Int
        /// Heap bytes per node once the network settled (0 when not measured).
        public var bytesPerNode: Int
    }

    /// Runs the scenario. `progress` gets a line per phase; `memoryInUse` (bytes allocated by the
    /// process) is sampled before the network exists and once it has settled.
    public func run(progress: (String) -> Void = { _ in }, memoryInUse: () -> Int = { 0 }) -> Report {
        let memoryBefore = memoryInUse()
        var settings = VirtualNetwork.Settings()
        settings.seed = seed
        settings.lossRate = lossRate
        let net = VirtualNetwork(settings: settings)
        let start = net.now
        var rng = DeterministicRNG(seed: seed ^ 0x5eed)

        var bootstrapConfig = DHTConfig()
        bootstrapConfig.isBootstrapNode = true
        net.addNode(config: bootstrapConfig)
        let step = max(1, joinPeriod / Int64(nodeCount))
        for i in 1..<nodeCount {
            let index = net.addNode()
            let via = i < 8 ? 0 : Int.random(in: 0..<i, using: &rng)
            net.with(index) { core, now in core.bootstrap(VirtualNetwork.address(of: via), now: now) }
            net.run(for: step)
        }
        progress("joined \(nodeCount) nodes")
        net.run(for: settlePeriod)
        let memoryPerNode = (memoryInUse() - memoryBefore) / nodeCount
        progress("settled; \(memoryPerNode) bytes allocated per node")

        var putsDone: [NodeOperation: Int] = [:]
        var getValues: [Int: Set<UInt64>] = [:]
        var getDone: [Int: Int64] = [:]
        var getStart: [Int: Int64] = [:]
        var firstValue: [Int: Int64] = [:]
        var getOps: [NodeOperation: Int] = [:]
        net.onEvent = { node, event in
            switch event {
            case .putDone(let op, let storedOn): putsDone[NodeOperation(node: node, op: op)] = storedOn
            case .values(let op, let values):
                if let g = getOps[NodeOperation(node: node, op: op)] {
                    getValues[g, default: []].formUnion(values.map(\.id))
                    if firstValue[g] == nil { firstValue[g] = net.now }
                }
            case .getDone(let op, _):
                if let g = getOps[NodeOperation(node: node, op: op)] { getDone[g] = net.now }
            default: break
            }
        }
        var keys: [(InfoHash, UInt64)] = []
        for v in 0..<valueCount {
            let key = InfoHash.random(using: &rng)
            let id = UInt64(v + 1)
            keys.append((key, id))
            let publisher = Int.random(in: 0..<nodeCount, using: &rng)
            net.with(publisher) { core, now in
                core.put(key, Value(id: id, data: Array("value \(v)".utf8)), now: now)
            }
            net.run(for: 50)
        }
        net.run(for: 30_000)
        progress("stored \(valueCount) values")

        var online = Array(0..<nodeCount)
        online.shuffle(using: &rng)
        for index in online.prefix(Int(Double(nodeCount) * churn)) { net.removeNode(index) }
        let survivors = online.dropFirst(Int(Double(nodeCount) * churn))
        progress("removed \(Int(churn * 100)) % of the nodes")

        // Lookups start 100 ms apart and overlap, well within the values' 10-minute lifetime.
        var askers: [Int] = []
        for (g, (key, _)) in keys.enumerated() {
            let asker = survivors[survivors.startIndex + Int.random(in: 0..<survivors.count, using: &rng)]
            askers.append(asker)
            getStart[g] = net.now
            if let op = net.with(asker, { core, now in core.get(key, now: now) }) { getOps[NodeOperation(node: asker, op: op)] = g }
            net.run(for: 100)
        }
        net.run(for: 60_000)
        let getRequests = Set(askers).reduce(0) { $0 + (net.nodes[$1]?.statistics.getRequestsSent ?? 0) }
        progress("looked up \(valueCount) values")

        let succeeded = keys.enumerated().filter { getValues[$0.offset]?.contains($0.element.1) == true }.count
        let durations = keys.indices.compactMap { g in getDone[g].map { Double($0 - getStart[g]!) } }  // safe: set together
        let meanDuration = durations.isEmpty ? 0 : durations.reduce(0, +) / Double(durations.count)
        let toFirst = keys.indices.compactMap { g in firstValue[g].map { Double($0 - getStart[g]!) } }  // safe: same
        let meanToFirst = toFirst.isEmpty ? 0 : toFirst.reduce(0, +) / Double(toFirst.count)
        let meanRTT = Double(settings.latency.lowerBound + settings.latency.upperBound)  // two one-way trips
        return Report(
            nodes: nodeCount, values: valueCount, churn: churn, lossRate: lossRate,
            putsAcknowledged: putsDone.values.filter { $0 > 0 }.count,
            lookups: valueCount, lookupsSucceeded: succeeded,
            successRate: Double(succeeded) / Double(max(1, valueCount)),
            meanHops: meanToFirst / meanRTT,
            meanRequestsPerLookup: Double(getRequests) / Double(max(1, valueCount)),
            meanLookupMilliseconds: meanDuration,
            meanFirstValueMilliseconds: meanToFirst,
            simulatedSeconds: Double(net.now - start) / 1000,
            datagrams: net.datagramsDelivered, datagramsLost: net.datagramsLost, bytesPerNode: memoryPerNode)
    }
}
