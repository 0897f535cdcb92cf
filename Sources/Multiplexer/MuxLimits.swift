/// Bounds that keep one peer from growing our memory or starving our other channels.
public struct MuxLimits: Sendable, Equatable {
    /// Channels in any state (opening, offered to us, open) on one socket.
    public var maxChannels: Int
    /// Requests from the peer waiting for our answer; more are declined at once.
    public var maxOffered: Int
    /// Unread bytes one channel may hold before the socket stops reading.
    public var receiveHighWater: Int
    /// How long a channel may stay above ``receiveHighWater`` before it is reset, so one reader
    /// that stopped cannot stall the other channels for good (milliseconds).
    public var stallTimeout: Int64
    /// Bytes queued for sending on one channel before its writers wait.
    public var sendHighWater: Int
    /// Control and protocol bytes queued for the peer (answers to its requests and beacons)
    /// before it counts as a peer that does not read.
    public var maxControlQueue: Int
    /// How long a beacon waits for its answer (milliseconds); jamid uses 3 s.
    public var beaconTimeout: Int64

    public init(maxChannels: Int = 512, maxOffered: Int = 64, receiveHighWater: Int = 1 << 20,
                stallTimeout: Int64 = 15_000, sendHighWater: Int = 1 << 20,
                maxControlQueue: Int = 256 << 10, beaconTimeout: Int64 = 3_000) {
        self.maxChannels = maxChannels
        self.maxOffered = maxOffered
        self.receiveHighWater = receiveHighWater
        self.stallTimeout = stallTimeout
        self.sendHighWater = sendHighWater
        self.maxControlQueue = maxControlQueue
        self.beaconTimeout = beaconTimeout
    }
}

/// What the multiplexer tells its driver.
public enum MuxEvent: Sendable, Equatable {
    /// The peer asks for a channel: answer with ``MuxCore/accept(_:)`` or ``MuxCore/decline(_:)``.
    case requested(channel: UInt16, name: String)
    /// The peer accepted a channel we opened; it is open.
    case accepted(channel: UInt16)
    /// The peer declined a channel we opened; it is gone.
    case declined(channel: UInt16)
    /// Bytes on an open channel. Report them read with ``MuxCore/consumed(_:bytes:)``.
    case data(channel: UInt16, NIOCore.ByteBuffer)
    /// A channel ended: `reason` nil when the peer closed it, else why we reset it.
    case ended(channel: UInt16, reason: MuxError?)
    /// The peer's multiplexer version.
    case version(Int)
    /// A beacon we sent was answered after `rtt` milliseconds.
    case pong(rtt: Int64)
    /// The whole socket must be closed.
    case failed(MuxError)
}

import NIOCore

/// Counters for the API and the benchmarks.
public struct MuxStatistics: Sendable, Equatable {
    public var bytesIn = 0
    public var bytesOut = 0
    public var framesIn = 0
    public var framesOut = 0
    /// Frames for channels that are not open (closed, never opened, not yet accepted).
    public var framesDropped = 0
    /// Peer requests declined because of a limit or a bad channel number.
    public var requestsRefused = 0
    public init() {}
}
