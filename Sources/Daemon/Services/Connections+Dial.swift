import Connectivity
import DHT
import ICE
import Identity
import NIOCore
import SecureDHT

/// Outgoing connections: request over the DHT, answer, ICE as the controlled side, TLS server.
extension Connections {
    func dial(_ device: PublicKeyID) async throws -> PeerSocket {
        var session: ICESession?
        do {
            let (peer, key) = try await checkedPeer(device, incoming: false)
            // Listening before the request goes out: jamid starts its checks as soon as it answers.
            let ice = await makeSession(.controlled)
            session = ice
            let mine = try await ice.gather()
            var rng = SystemRandomNumberGenerator()
            let id = freshID(using: &rng)
            let sealed = try sealed(PeerConnectionRequest(id: id, iceMessage: mine.encoded, isAnswer: false), to: key)
            let long = DeviceLongID(spki: peer.chain.leaf.spkiDER)
            let sentAt = ContinuousClock.now
            let answer = try await awaitAnswer(id, from: device) { [node] in
                await Self.putAtPeerKeys(sealed, node: node, device: device, long: long)
            }
            ice.start(remote: answer)
            let (channel, pair) = try await ice.connection()
            let socket = try await startSocket(on: channel, isClient: false, peer: peer)
            established(socket, PeerDevice(account: peer.account, device: device, long: long), pair: pair, outgoing: true, since: sentAt)
            return socket
        } catch {
            session?.cancel()
            let reason = (error as? DaemonError)?.context ?? "\(error)"
            update(device, .failed, reason: reason) { $0.attempt = nil }
            context.logger.info("connection failed", metadata: ["device": "\(device)", "reason": "\(reason)"])
            throw (error as? DaemonError) ?? DaemonError(.connectionFailed, reason)
        }
    }

    /// Where a device listens for requests and answers: `H("peer:" + short id)` (jamid 13.7)
    /// and `H("peer:" + long id)` (dhtnet since 2024, the only key since 2026-05). The same
    /// value goes to both; receivers drop the second by its id.
    static func peerKeys(_ device: PublicKeyID, _ long: DeviceLongID) -> [InfoHash] {
        [.hashing(key: "peer:" + device.hex), .hashing(key: "peer:" + long.hex)]
    }

    /// Puts `value` at both of the device's keys, at once.
    static func putAtPeerKeys(_ value: Value, node: SecureDHTNode, device: PublicKeyID, long: DeviceLongID) async {
        await withTaskGroup(of: Void.self) { group in
            for key in peerKeys(device, long) { group.addTask { _ = try? await node.put(key, value) } }
        }
    }

    /// A request id never used or seen before (jamid refuses one it has seen).
    func freshID(using rng: inout some RandomNumberGenerator) -> UInt64 {
        var id = PeerConnectionRequest.freshID(using: &rng)
        while seenSet.contains(id) { id = PeerConnectionRequest.freshID(using: &rng) }
        _ = remember(id)
        return id
    }

    /// Remembers a request id; false when it was already known.
    func remember(_ id: UInt64) -> Bool {
        guard seenSet.insert(id).inserted else { return false }
        seenIDs.append(id)
        if seenIDs.count > Self.maxSeenIDs { seenSet.remove(seenIDs.removeFirst()) }
        return true
    }

    /// Sends (by `put`) and waits for the answer with `id` from `device`, at most 30 s.
    func awaitAnswer(_ id: UInt64, from device: PublicKeyID, put: @escaping @Sendable () async -> Void) async throws -> ICEDescription {
        let scheduler = context.scheduler
        // Cancelled (a disconnect while connecting, the account stopping): ends the wait now.
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waitingAnswers[id] = (device, continuation)
                scheduler.spawn { await put() }
                scheduler.spawn { [weak self] in
                    try? await scheduler.sleep(for: Self.answerTimeout)
                    await self?.stopWaiting(id, DaemonError(.connectionFailed, "no answer within 30 s"))
                }
            }
        } onCancel: {
            Task { await self.stopWaiting(id, DaemonError(.connectionFailed, "cancelled")) }
        }
    }

    func stopWaiting(_ id: UInt64, _ error: DaemonError) {
        waitingAnswers.removeValue(forKey: id)?.answer.resume(throwing: error)
    }

    /// The socket's policy for the channels `device` opens: registered names only.
    func acceptsChannel(from device: PublicKeyID) -> @Sendable (String) -> Bool {
        { [channels] name in channels.accepts(name, from: device) }
    }

    /// A socket is up: it becomes the device's, its channels go to their handlers, its end is
    /// reported.
    func established(_ socket: PeerSocket, _ peer: PeerDevice, pair: ICEAgent.SelectedPair, outgoing: Bool, since: ContinuousClock.Instant) {
        let old = entries[peer.device]?.socket
        let setup = Int((ContinuousClock.now - since) / .milliseconds(1))
        update(peer.device, .connected, outgoing: outgoing) { e in
            e.peer = peer
            e.socket = socket
            e.pairKind = pair.kind.rawValue
            e.setupMs = setup
            e.attempt = nil
        }
        if let old, old !== socket, old.isOpen {
            // Both sides connected at once: the newer socket serves new channels, the older
            // one finishes what it carries.
            context.logger.debug("a second socket to the same device", metadata: ["device": "\(peer.device)"])
        }
        let scheduler = context.scheduler
        scheduler.spawn { [weak self] in
            for await channel in socket.incoming {
                guard let handler = self?.channels.handler(for: channel.name) else { channel.close(); continue }
                scheduler.spawn { await handler(channel, peer) }
            }
        }
        scheduler.spawn { [weak self] in
            let reason = await socket.closed
            await self?.socketClosed(socket, peer.device, reason: reason)
        }
    }

    func socketClosed(_ socket: PeerSocket, _ device: PublicKeyID, reason: ConnectivityError) {
        guard entries[device]?.socket === socket else { return }
        update(device, .closed, reason: reason.description) { $0.socket = nil }
    }
}
