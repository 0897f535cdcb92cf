import Connectivity
import DHT
import ICE
import Identity

/// Requests from other devices, and answers to ours.
extension Connections {
    /// A decrypted `peer_request` value from `device` (its signature already checked). The cheap
    /// checks run here; the chain check, the answer and ICE run in their own task.
    public func received(_ value: Value, from device: PublicKeyID) {
        let request: PeerConnectionRequest
        do {
            request = try PeerConnectionRequest(decoding: value.data)
        } catch {
            context.logger.info("dropped a malformed connection request", metadata: ["device": "\(device)", "reason": "\(error)"])
            return
        }
        if request.isAnswer {
            guard let waiting = waitingAnswers[request.id], waiting.device == device else { return }
            waitingAnswers[request.id] = nil
            do {
                waiting.answer.resume(returning: try ICEDescription(parsing: request.iceMessage))
            } catch {
                waiting.answer.resume(throwing: DaemonError(.connectionFailed, "the answer's ICE description is unusable: \(error)"))
            }
            return
        }
        guard remember(request.id) else { return }
        guard pendingIncoming < Self.maxPendingIncoming else {
            context.logger.warning("too many connection requests at once; dropped one", metadata: ["device": "\(device)"])
            return
        }
        let remote: ICEDescription
        do {
            remote = try ICEDescription(parsing: request.iceMessage)
        } catch {
            context.logger.info("dropped a connection request with an unusable ICE description", metadata: ["device": "\(device)", "reason": "\(error)"])
            return
        }
        pendingIncoming += 1
        context.scheduler.spawn { [weak self] in
            await self?.answer(request, remote: remote, from: device)
        }
    }

    private func answer(_ request: PeerConnectionRequest, remote: ICEDescription, from device: PublicKeyID) async {
        defer { pendingIncoming -= 1 }
        var session: ICESession?
        do {
            let (peer, key) = try await checkedPeer(device, incoming: true)
            update(device, .connecting, outgoing: false) { $0.peer = PeerDevice(account: peer.account, device: device) }
            let ice = await makeSession(.controlling)
            session = ice
            let mine = try await ice.gather()
            let answer = PeerConnectionRequest(id: request.id, iceMessage: mine.encoded, isAnswer: true, connectionType: request.connectionType)
            let sentAt = ContinuousClock.now
            await Self.putAtPeerKeys(try sealed(answer, to: key), node: node, device: device, long: DeviceLongID(spki: peer.chain.leaf.spkiDER))
            ice.start(remote: remote)
            let (channel, pair) = try await ice.connection()
            let socket = try await startSocket(on: channel, isClient: true, peer: peer)
            established(socket, PeerDevice(account: peer.account, device: device, long: DeviceLongID(spki: peer.chain.leaf.spkiDER)), pair: pair, outgoing: false, since: sentAt)
        } catch {
            session?.cancel()
            let reason = (error as? DaemonError)?.context ?? "\(error)"
            context.logger.info("incoming connection failed", metadata: ["device": "\(device)", "reason": "\(reason)"])
            update(device, .failed, reason: reason)
        }
    }
}
