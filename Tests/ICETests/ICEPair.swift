import NIOCore
@testable import ICE

/// Two agents over an in-memory network: a connect to the other agent's passive candidate
/// becomes an accepted connection there; anything else is refused. Packets are delivered in
/// order, one step at a time.
struct ICEPair {
    var agents: [ICEAgent]
    /// (agent, connection) → (other agent, its connection)
    var links: [Pair: Pair] = [:]
    var completed: [ICEAgent.ConnectionID?] = [nil, nil]
    var kinds: [ICECandidate.Kind?] = [nil, nil]
    var failures: [ICEFailure?] = [nil, nil]
    var closedLinks = 0
    var sent: [[[UInt8]]] = [[], []]
    /// Addresses that refuse connections.
    var unreachable: Set<SocketAddress> = []
    var now: Int64 = 0
    var nextPort = 50_000

    struct Pair: Hashable { var agent: Int; var id: ICEAgent.ConnectionID }

    init(_ a: ICEAgent, _ b: ICEAgent) { agents = [a, b] }

    static func description(_ ip: String, passivePort: Int, ufrag: String, password: String, passive: Bool = true) -> ICEDescription {
        var c = [ICECandidate(kind: .host, tcpType: .active, address: try! SocketAddress(ipAddress: ip, port: 9))]
        if passive { c.insert(ICECandidate(kind: .host, tcpType: .passive, address: try! SocketAddress(ipAddress: ip, port: passivePort)), at: 0) }
        return ICEDescription(ufrag: ufrag, password: password, candidates: c)
    }

    /// Runs outputs until both sides are quiet, advancing the clock to wake-ups up to `until`.
    mutating func run(until: Int64 = 60_000) {
        while true {
            var progressed = false
            for i in 0..<2 {
                for o in agents[i].takeOutputs() {
                    progressed = true
                    handle(o, from: i)
                }
            }
            if progressed { continue }
            let wake = agents.compactMap(\.nextWakeup).min()
            guard let w = wake, w <= until else { return }
            now = max(now, w)
            for i in 0..<2 { agents[i].tick(now: now) }
        }
    }

    mutating func handle(_ o: ICEAgent.Output, from i: Int) {
        let j = 1 - i
        switch o {
        case .connect(let id, let from, let to):
            guard !unreachable.contains(to.address),
                  let passive = agents[j].local.candidates.first(where: { $0.tcpType == .passive && $0.address == to.address }),
                  let theirs = agents[j].accepted(local: passive, remote: try! SocketAddress(ipAddress: from.address.ipAddress!, port: nextPort), now: now)
            else {
                agents[i].closed(id, now: now)
                return
            }
            nextPort += 1
            links[Pair(agent: i, id: id)] = Pair(agent: j, id: theirs)
            links[Pair(agent: j, id: theirs)] = Pair(agent: i, id: id)
            agents[i].connected(id, now: now)
        case .send(let id, let bytes):
            sent[i].append(bytes)
            guard let peer = links[Pair(agent: i, id: id)] else { return }
            agents[peer.agent].received(peer.id, bytes, now: now)
        case .close(let id):
            guard let peer = links.removeValue(forKey: Pair(agent: i, id: id)) else { return }
            links[peer] = nil
            closedLinks += 1
            agents[peer.agent].closed(peer.id, now: now)
        case .completed(let id, let pair):
            completed[i] = id
            kinds[i] = pair.kind
        case .failed(let f):
            failures[i] = f
        }
    }

    /// Whether both ends completed on the two ends of one connection.
    var sameConnection: Bool {
        guard let a = completed[0], let b = completed[1] else { return false }
        return links[Pair(agent: 0, id: a)] == Pair(agent: 1, id: b)
    }
}
