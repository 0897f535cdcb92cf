import ICE
import Logging
import NIOCore
import NIOPosix

/// Runs one ``ICE/ICEAgent`` on real TCP sockets: a listener per local address (our passive
/// candidates), outgoing connections for the agent's checks, RFC 4571 packets both ways. All of
/// its state lives on one event loop; the async methods hop onto it.
///
/// ```swift
/// let session = ICESession(loop: loop, role: .controlling, addresses: ["198.18.0.1"], logger: log)
/// let mine = try await session.gather()           // put in our request or answer
/// session.start(remote: theirs)                    // when the peer's description is known
/// let (channel, pair) = try await session.connection()
/// ```
public final class ICESession: Sendable {
    /// How long listeners stay after completion: jamid may still connect for its nomination.
    static let listenerLinger: TimeAmount = .seconds(10)

    let loop: any EventLoop
    let box: NIOLoopBoundBox<State?>
    let setup: @Sendable () -> State
    let completion: EventLoopPromise<(any Channel, ICEAgent.SelectedPair)>

    final class State {
        var agent: ICEAgent?
        var role: ICEAgent.Role
        var config: ICEAgent.Config
        let addresses: [SocketAddress]
        let reflexive: [SocketAddress]
        let relay: (relay: TURNRelay, relayed: SocketAddress)?
        var listeners: [any Channel] = []
        var channels: [ICEAgent.ConnectionID: (channel: any Channel, handler: ICEConnectionHandler)] = [:]
        var early: [(ICECandidate, any Channel)] = []
        var timer: Scheduled<Void>?
        var logger: Logger
        var local: ICEDescription?
        /// The completion promise was resolved (it must not be twice).
        var resolved = false
        init(role: ICEAgent.Role, config: ICEAgent.Config, addresses: [SocketAddress], reflexive: [SocketAddress],
             relay: (TURNRelay, SocketAddress)?, logger: Logger) {
            self.role = role
            self.config = config
            self.addresses = addresses
            self.reflexive = reflexive
            self.relay = relay.map { (relay: $0.0, relayed: $0.1) }
            self.logger = logger
        }
    }

    /// - Parameters:
    ///   - addresses: local IP addresses to offer (port ignored): one passive listener and one
    ///     active candidate each.
    ///   - reflexive: public addresses seen by others (the DHT), offered as active srflx.
    ///   - relay: a TURN allocation on this loop and its relayed address, offered as a passive
    ///     relay candidate; kept while its connection is the selected one, released otherwise.
    public init(loop: any EventLoop, role: ICEAgent.Role, addresses: [SocketAddress], reflexive: [SocketAddress] = [],
                relay: (TURNRelay, SocketAddress)? = nil, config: ICEAgent.Config = ICEAgent.Config(), logger: Logger) {
        precondition(relay.map { $0.0.loop === loop } ?? true, "the relay must run on the session's loop")
        self.loop = loop
        self.box = .makeEmptyBox(eventLoop: loop)
        self.setup = { State(role: role, config: config, addresses: addresses, reflexive: reflexive, relay: relay, logger: logger) }
        self.completion = loop.makePromise()
    }

    /// The session's state; only on the loop, after ``gather()`` created it.
    var state: State { box.value! }
    var started: Bool { box.value != nil }

    static func now() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000) }

    /// Opens the listeners and returns our description (fresh credentials, our candidates).
    public func gather() async throws -> ICEDescription {
        try await loop.flatSubmit { [self] in
            if box.value == nil { box.value = setup() }
            let s = state
            let binds = s.addresses.map { a in
                ServerBootstrap(group: loop)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { [self] child in
                        child.eventLoop.makeCompletedFuture { try self.adopt(inbound: child, listening: a) }
                    }
                    .bind(host: a.ipAddress ?? "", port: 0)
            }
            return EventLoopFuture.whenAllComplete(binds, on: loop).flatMapThrowing { [self] results in
                let s = state
                var candidates: [ICECandidate] = []
                for (i, r) in results.enumerated() {
                    guard case .success(let listener) = r, let port = listener.localAddress?.port,
                          let ip = s.addresses[i].ipAddress else {
                        s.logger.info("cannot listen on \(s.addresses[i].ipAddress ?? "?")")
                        continue
                    }
                    s.listeners.append(listener)
                    let pref = UInt32(8191 - min(i, 8000))
                    candidates.append(ICECandidate(kind: .host, tcpType: .passive, address: try SocketAddress(ipAddress: ip, port: port), otherPreference: pref))
                    candidates.append(ICECandidate(kind: .host, tcpType: .active, address: try SocketAddress(ipAddress: ip, port: 9), otherPreference: pref))
                }
                for r in s.reflexive {
                    guard let ip = r.ipAddress, !candidates.contains(where: { $0.address.ipAddress == ip }) else { continue }
                    candidates.append(ICECandidate(kind: .srflx, tcpType: .active, address: try SocketAddress(ipAddress: ip, port: 9)))
                }
                if let (relay, relayed) = s.relay {
                    candidates.append(ICECandidate(kind: .relay, tcpType: .passive, address: relayed))
                    relay.setOnPeer { [self] channel, peer, early in adopt(relayed: channel, peer: peer, early: early) }
                }
                guard !candidates.isEmpty else { throw ConnectivityError.ice("no usable local address") }
                var rng = SystemRandomNumberGenerator()
                let (ufrag, password) = ICEDescription.randomCredentials(using: &rng)
                let local = ICEDescription(ufrag: ufrag, password: password, candidates: candidates)
                s.local = local
                s.agent = ICEAgent(role: s.role, local: local, tieBreaker: rng.next(), config: s.config, now: Self.now())
                // Connections accepted before the agent existed (none in practice; gather returns first).
                for (c, ch) in s.early { _ = try? adopt(inbound: ch, listening: c.address) }
                s.early = []
                return local
            }
        }.get()
    }

    /// The peer's description: checks start.
    public func start(remote: ICEDescription) {
        loop.execute { [self] in
            guard started else { return }
            state.agent?.setRemote(remote, now: Self.now())
            state.relay?.relay.permit(remote.candidates.map(\.address))
            pump()
        }
    }

    /// The selected connection, once ICE completes (its pipeline holds the ICE handler; add TLS
    /// above it).
    public func connection() async throws -> (any Channel, ICEAgent.SelectedPair) {
        try await completion.futureResult.get()
    }

    /// Ends the session: every connection not selected is closed.
    public func cancel() {
        loop.execute { [self] in
            guard started else {
                completion.fail(ConnectivityError.cancelled)
                return
            }
            let s = state
            if s.agent == nil, !s.resolved {
                s.resolved = true
                completion.fail(ConnectivityError.cancelled)
            }
            if s.agent?.isDone == false { s.agent?.fail(.cancelled) }
            pump()
            closeListeners()
        }
    }

    private func adopt(inbound child: any Channel, listening: SocketAddress) throws {
        let s = state
        guard let agent = s.agent, let local = agent.local.candidates.first(where: { $0.tcpType == .passive && $0.address.ipAddress == listening.ipAddress }),
              let remote = child.remoteAddress else {
            // After completion (jamid's extra nomination connection): kept open, idle, until the
            // listeners go.
            return
        }
        guard let id = s.agent!.accepted(local: local, remote: remote, now: Self.now()) else {
            child.close(promise: nil)
            return
        }
        try attach(child, id: id)
    }

    /// A peer's connection through our TURN relay: an inbound connection to the relay candidate.
    private func adopt(relayed channel: any Channel, peer: SocketAddress, early: ByteBuffer?) {
        let s = state
        guard var agent = s.agent, let local = agent.local.candidates.first(where: { $0.kind == .relay }),
              let id = agent.accepted(local: local, remote: peer, now: Self.now()) else {
            channel.close(promise: nil)
            return
        }
        s.agent = agent
        do {
            try attach(channel, id: id)
        } catch {
            channel.close(promise: nil)
            return
        }
        if let early { channel.pipeline.fireChannelRead(early) }
        pump()
    }

    private func attach(_ channel: any Channel, id: ICEAgent.ConnectionID) throws {
        let handler = ICEConnectionHandler(
            id: id,
            onSTUN: { [self] id, bytes in
                state.agent?.received(id, bytes, now: Self.now())
                pump()
            },
            onClose: { [self] id in
                state.channels[id] = nil
                state.agent?.closed(id, now: Self.now())
                pump()
            })
        try channel.pipeline.syncOperations.addHandler(handler)
        state.channels[id] = (channel, handler)
    }

    /// Carries out the agent's outputs and re-arms its timer.
    func pump() {
        let s = state
        guard var agent = s.agent else { return }
        let outputs = agent.takeOutputs()
        s.agent = agent
        for o in outputs {
            switch o {
            case .connect(let id, let from, let to):
                connect(id, from: from, to: to)
            case .send(let id, let bytes):
                s.channels[id]?.handler.sendSTUN(bytes)
            case .close(let id):
                s.channels.removeValue(forKey: id)?.channel.close(promise: nil)
            case .completed(let id, let pair):
                guard let (channel, handler) = s.channels[id], !s.resolved else { continue }
                s.resolved = true
                completion.succeed((channel, pair))
                if let relay = s.relay?.relay {
                    // A relayed pair needs its allocation for as long as the connection lives.
                    if pair.local.kind == .relay { channel.closeFuture.whenComplete { _ in relay.close() } } else { relay.close() }
                }
                loop.scheduleTask(in: Self.listenerLinger) { [self] in closeListeners() }
            case .failed(let f):
                // After completion, the socket above notices its connection closing by itself.
                if !s.resolved {
                    s.resolved = true
                    completion.fail(ConnectivityError.ice(f.description))
                    s.relay?.relay.close()
                }
                closeListeners()
            }
        }
        s.timer?.cancel()
        if let wake = s.agent?.nextWakeup, wake < .max {
            let delay = max(0, wake - Self.now())
            s.timer = loop.scheduleTask(in: .milliseconds(delay)) { [self] in
                state.agent?.tick(now: Self.now())
                pump()
            }
        }
    }

    private func connect(_ id: ICEAgent.ConnectionID, from: ICECandidate, to: ICECandidate) {
        var bootstrap = ClientBootstrap(group: loop).connectTimeout(.seconds(15))
        if let ip = from.address.ipAddress, let bind = try? SocketAddress(ipAddress: ip, port: 0) { bootstrap = bootstrap.bind(to: bind) }
        bootstrap.connect(to: to.address).whenComplete { [self] result in
            let s = state
            switch result {
            case .success(let channel):
                guard s.agent?.isDone == false else { channel.close(promise: nil); return }
                do {
                    try attach(channel, id: id)
                    s.agent?.connected(id, now: Self.now())
                } catch {
                    channel.close(promise: nil)
                    s.agent?.closed(id, now: Self.now())
                }
            case .failure:
                s.agent?.closed(id, now: Self.now())
            }
            pump()
        }
    }

    private func closeListeners() {
        let s = state
        for l in s.listeners { l.close(promise: nil) }
        s.listeners = []
        if s.agent?.isDone == true, let selected = s.agent?.selected {
            for (id, c) in s.channels where id != selected { c.channel.close(promise: nil) }
        }
    }
}
