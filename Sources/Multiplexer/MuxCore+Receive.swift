import NIOCore

/// Incoming frames: data to open channels, channel requests and answers, version and beacons.
extension MuxCore {
    /// Takes decrypted bytes from the peer. Every whole frame is handled at once; a malformed
    /// one fails the socket (``MuxEvent/failed(_:)``), after which input is ignored.
    public mutating func receive(_ bytes: ByteBuffer, now: Int64) {
        guard failure == nil else { return }
        statistics.bytesIn += bytes.readableBytes
        decoder.append(bytes)
        do {
            while failure == nil, let (channel, payload) = try decoder.next() {
                statistics.framesIn += 1
                switch channel {
                case MuxFrame.control, MuxFrame.protocol: try control(payload, now: now)
                default: data(channel, payload, now: now)
                }
            }
        } catch {
            fail(error)
        }
    }

    private mutating func data(_ id: UInt16, _ payload: ByteBuffer, now: Int64) {
        guard var c = channels[id], c.phase == .open || c.phase == .closing else {
            // Late frames of a channel just closed, or a peer writing before our answer.
            statistics.framesDropped += 1
            return
        }
        if payload.readableBytes == 0 {
            removeChannel(id)
            events.append(.ended(channel: id, reason: nil))
            return
        }
        guard c.phase == .open else { statistics.framesDropped += 1; return }
        c.bytesIn += payload.readableBytes
        let wasOver = c.unread > limits.receiveHighWater
        c.unread += payload.readableBytes
        if !wasOver, c.unread > limits.receiveHighWater {
            c.overSince = now
            overHighWater += 1
        }
        channels[id] = c
        events.append(.data(channel: id, payload))
    }

    private mutating func control(_ payload: ByteBuffer, now: Int64) throws(MuxError) {
        guard payload.readableBytes > 0 else { return }
        for message in try ControlOrProtocol.parseAll(Array(payload.readableBytesView)) {
            switch message {
            case .channel(let r): channelRequest(r)
            case .protocol(.version(let v)):
                guard v >= 0 else { throw .unsupportedVersion(v) }
                peerVersion = v
                events.append(.version(v))
            case .protocol(.beacon(ping: true)):
                queueControl(channel: MuxFrame.protocol, ProtocolMessage.beacon(ping: false).encoded)
            case .protocol(.beacon(ping: false)):
                if let sent = beaconSentAt {
                    beaconSentAt = nil
                    events.append(.pong(rtt: max(0, now - sent)))
                }
            }
        }
    }

    private mutating func channelRequest(_ r: ChannelRequest) {
        switch r.state {
        case .request:
            // A number in use or reserved, or over a limit: declined at once, never surfaced. (jamid
            // maps a request for a number in use onto that channel; taking over a live channel
            // on the peer's word is not something we do.)
            guard r.channel != MuxFrame.control, r.channel != MuxFrame.protocol, channels[r.channel] == nil,
                  offeredCount < limits.maxOffered, channels.count < limits.maxChannels else {
                statistics.requestsRefused += 1
                queueControl(channel: MuxFrame.control, ChannelRequest(name: r.name, channel: r.channel, state: .decline).encoded)
                return
            }
            channels[r.channel] = Channel(name: r.name, phase: .offered)
            offeredCount += 1
            events.append(.requested(channel: r.channel, name: r.name))
        case .accept:
            guard let c = channels[r.channel], c.phase == .opening else { return }
            channels[r.channel]!.phase = .open
            if !c.outbound.isEmpty { ready.append(r.channel) }
            events.append(.accepted(channel: r.channel))
        case .decline:
            guard let c = channels[r.channel], c.phase == .opening else { return }
            removeChannel(r.channel)
            events.append(.declined(channel: r.channel))
        }
    }
}
