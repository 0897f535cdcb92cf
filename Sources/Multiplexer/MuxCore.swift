import DequeModule
import NIOCore

/// Jami's multiplexed socket without I/O: named channels over one TLS byte stream.
///
/// The driver feeds it decrypted bytes (``receive(_:now:)``) and clock readings
/// (``tick(now:)``), writes what ``writeFrames(into:maxBytes:)`` produces while the transport
/// is writable, stops reading while ``wantsRead`` is false, and acts on ``takeEvents()``.
/// Either side opens channels; both sides announce version 1 and answer beacons.
///
/// Outgoing data is sent round-robin, one frame per channel in turn, with control and protocol
/// frames first, so one busy channel cannot delay another's message by more than one frame.
/// Incoming data is accounted per channel until the reader reports it consumed; a channel over
/// its high-water mark pauses reading (TCP pushes back on the peer), and one that stays there
/// past the stall timeout is reset so the others go on.
///
/// Costs: O(1) per frame in and out; O(channels) per ``tick(now:)``.
public struct MuxCore: Sendable {
    public let limits: MuxLimits
    var decoder = MuxFrameDecoder()
    var channels: [UInt16: Channel] = [:]
    var offeredCount = 0
    var controlQueue = Deque<ByteBuffer>()
    var controlQueued = 0
    var ready = Deque<UInt16>()
    var events: [MuxEvent] = []
    var beaconSentAt: Int64?
    var overHighWater = 0
    public internal(set) var peerVersion: Int?
    public internal(set) var failure: MuxError?
    public internal(set) var statistics = MuxStatistics()
    let allocator = ByteBufferAllocator()

    enum Phase: Sendable, Equatable {
        /// We sent a request; waiting for the peer's answer.
        case opening
        /// The peer asked; waiting for our answer.
        case offered
        case open
        /// We queued our EOF; no more writes.
        case closing
    }

    struct Channel: Sendable {
        var name: String
        var phase: Phase
        var outbound = Deque<ByteBuffer>()
        var queued = 0
        var unread = 0
        var overSince: Int64?
        var bytesIn = 0
        var bytesOut = 0
    }

    /// A socket that has just come up: our version is the first thing queued.
    public init(limits: MuxLimits = MuxLimits()) {
        self.limits = limits
        queueControl(channel: MuxFrame.protocol, ProtocolMessage.version(ProtocolMessage.currentVersion).encoded)
    }

    /// The events since the last call, oldest first.
    public mutating func takeEvents() -> [MuxEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// False while a channel holds more unread bytes than its high-water mark.
    public var wantsRead: Bool { overHighWater == 0 && failure == nil }

    /// Whether ``writeFrames(into:maxBytes:)`` has something to write.
    public var hasPendingWrites: Bool { !controlQueue.isEmpty || !ready.isEmpty }

    /// When ``tick(now:)`` should next run.
    public var nextWakeup: Int64? {
        var t = beaconSentAt.map { $0 + limits.beaconTimeout }
        for c in channels.values { if let s = c.overSince { t = min(t ?? .max, s + limits.stallTimeout) } }
        return t
    }

    /// The name and state of an open channel, for the driver and the API.
    public func name(of channel: UInt16) -> String? { channels[channel]?.name }
    public var openChannels: [UInt16] { channels.filter { $0.value.phase == .open }.map(\.key).sorted() }
    public func bytes(of channel: UInt16) -> (in: Int, out: Int)? { channels[channel].map { ($0.bytesIn, $0.bytesOut) } }

    /// How many more bytes `channel` takes before its writers should wait (never negative).
    public func sendCapacity(_ channel: UInt16) -> Int {
        guard let c = channels[channel], c.phase == .open || c.phase == .opening else { return 0 }
        return max(0, limits.sendHighWater - c.queued)
    }

    // MARK: Local actions

    /// Asks the peer for a channel named `name`. The channel number starts from a random offset
    /// and is the first free one; nil when the socket already has ``MuxLimits/maxChannels``.
    public mutating func open(_ name: String, using rng: inout some RandomNumberGenerator) -> UInt16? {
        guard failure == nil, channels.count < limits.maxChannels, !name.isEmpty, name.utf8.count <= ChannelRequest.maxNameLength else { return nil }
        var id = UInt16.random(in: 1...0xFFFE, using: &rng)
        while channels[id] != nil { id = id == 0xFFFE ? 1 : id + 1 }
        channels[id] = Channel(name: name, phase: .opening)
        queueControl(channel: MuxFrame.control, ChannelRequest(name: name, channel: id, state: .request).encoded)
        return id
    }

    /// Accepts a channel the peer asked for.
    public mutating func accept(_ channel: UInt16) {
        guard let c = channels[channel], c.phase == .offered else { return }
        offeredCount -= 1
        channels[channel]!.phase = .open
        queueControl(channel: MuxFrame.control, ChannelRequest(name: c.name, channel: channel, state: .accept).encoded)
    }

    /// Declines a channel the peer asked for.
    public mutating func decline(_ channel: UInt16) {
        guard let c = channels[channel], c.phase == .offered else { return }
        offeredCount -= 1
        channels[channel] = nil
        queueControl(channel: MuxFrame.control, ChannelRequest(name: c.name, channel: channel, state: .decline).encoded)
    }

    /// Queues bytes on a channel that is open or being opened (sent once accepted). Returns false
    /// when the channel cannot take data any more (closed, declined, unknown).
    @discardableResult
    public mutating func send(_ channel: UInt16, _ bytes: ByteBuffer) -> Bool {
        guard var c = channels[channel], c.phase == .open || c.phase == .opening else { return false }
        guard bytes.readableBytes > 0 else { return true }
        let wasIdle = c.outbound.isEmpty
        c.outbound.append(bytes)
        c.queued += bytes.readableBytes
        channels[channel] = c
        if wasIdle, c.phase == .open { ready.append(channel) }
        return true
    }

    /// Ends a channel: what is queued is sent, then the EOF frame.
    public mutating func close(_ channel: UInt16) {
        guard var c = channels[channel] else { return }
        switch c.phase {
        case .offered: decline(channel)
        case .closing: return
        case .opening:
            // Not accepted yet: the peer may still accept, so it gets an EOF right away.
            removeChannel(channel)
            queueControl(channel: channel, [])
        case .open:
            c.phase = .closing
            let wasIdle = c.outbound.isEmpty
            c.outbound.append(ByteBuffer())
            channels[channel] = c
            if wasIdle { ready.append(channel) }
        }
    }

    /// The driver's reader took `bytes` of a channel's data.
    public mutating func consumed(_ channel: UInt16, bytes: Int) {
        guard var c = channels[channel] else { return }
        let wasOver = c.unread > limits.receiveHighWater
        c.unread = max(0, c.unread - bytes)
        if wasOver, c.unread <= limits.receiveHighWater {
            c.overSince = nil
            overHighWater -= 1
        }
        channels[channel] = c
    }

    /// Sends a beacon unless one is already waiting; no answer within the timeout fails the socket.
    /// Peers below version 1 do not answer beacons, so none is sent to them.
    public mutating func ping(now: Int64) {
        guard failure == nil, beaconSentAt == nil, (peerVersion ?? 1) >= 1 else { return }
        beaconSentAt = now
        queueControl(channel: MuxFrame.protocol, ProtocolMessage.beacon(ping: true).encoded)
    }

    /// Timeouts: beacons not answered, readers stalled.
    public mutating func tick(now: Int64) {
        guard failure == nil else { return }
        if let sent = beaconSentAt, now >= sent + limits.beaconTimeout {
            fail(.beaconTimeout)
            return
        }
        for (id, c) in channels {
            if let since = c.overSince, now >= since + limits.stallTimeout {
                reset(id, reason: .readerStalled(channel: id))
            }
        }
    }

    /// Marks the socket failed (for a transport error, or a local close).
    public mutating func fail(_ error: MuxError) {
        guard failure == nil else { return }
        failure = error
        events.append(.failed(error))
    }

    mutating func reset(_ id: UInt16, reason: MuxError) {
        removeChannel(id)
        queueControl(channel: id, [])
        events.append(.ended(channel: id, reason: reason))
    }

    mutating func removeChannel(_ id: UInt16) {
        guard let c = channels.removeValue(forKey: id) else { return }
        if c.phase == .offered { offeredCount -= 1 }
        if c.overSince != nil { overHighWater -= 1 }
    }
}
