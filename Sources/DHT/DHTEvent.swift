/// Identifies a get, put or listen started on a ``DHTCore``.
public struct OperationID: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "op\(rawValue)" }
}

/// What the core tells its driver about operations.
public enum DHTEvent: Sendable, Equatable {
    /// New values found by a get (each value id is reported once per operation).
    case values(OperationID, [Value])
    /// A get finished: the closest nodes answered, or nothing more could be asked.
    case getDone(OperationID, success: Bool)
    /// A put was acknowledged by `storedOn` of the closest nodes (0 means it failed).
    case putDone(OperationID, storedOn: Int)
    /// Values appeared (or changed) under a listened key.
    case listenAdded(OperationID, [Value])
    /// Values under a listened key expired.
    case listenExpired(OperationID, [UInt64])
    /// A user ping was answered by `node`, or went unanswered (`nil`).
    case pong(OperationID, node: InfoHash?)
}

/// What the core asks its driver to do.
public enum DHTOutput: Sendable, Equatable {
    case send([UInt8], to: PeerAddress)
    case event(DHTEvent)
}

/// Counters describing a node, for `stats` output and tests.
public struct DHTStatistics: Sendable, Equatable, Codable {
    public var goodNodes4 = 0
    public var goodNodes6 = 0
    public var knownNodes4 = 0
    public var knownNodes6 = 0
    public var storedKeys = 0
    public var storedValues = 0
    public var storedBytes = 0
    public var remoteListeners = 0
    /// Value-part sessions open (answers whose parts wait for their header included), and the
    /// bytes they hold.
    public var partSessions = 0
    public var partBytes = 0
    public var searches = 0
    /// Our IP as other nodes report it (`sa` in their replies), most reported first: the
    /// public address behind a NAT.
    public var publicAddresses: [String]?
    public var pendingRequests = 0
    public var datagramsReceived = 0
    public var datagramsSent = 0
    /// `get` requests sent (first transmissions only).
    public var getRequestsSent = 0
    /// `put` and `refresh` requests sent (first transmissions only).
    public var putRequestsSent = 0
    public var refreshRequestsSent = 0
    /// Dropped because a rate limit was reached (before decoding).
    public var droppedRateLimited = 0
    /// Dropped because they did not decode.
    public var droppedMalformed = 0
    /// Dropped because of a foreign network id, our own id, or a martian source.
    public var droppedForeign = 0
    /// Replies and errors that answer no request we sent to that address and node (issue #13:
    /// they change nothing).
    public var droppedUnmatched = 0
    /// Value-part sessions refused or dropped by the reassembly caps and byte budgets.
    public var droppedPartSessions = 0
    /// Listen requests refused because the listener caps were reached.
    public var listensRefused = 0
    public var valuesRejected = 0
    public var errorsSent = 0
    public init() {}
}
