/// Settings of one node. Defaults are OpenDHT 2.4.12's.
public struct DHTConfig: Sendable {
    /// Network id; 0 is the public network (and Jami's). Messages from other networks are dropped.
    public var network: UInt32 = 0
    /// The node id; random unless set.
    public var nodeId: InfoHash?
    /// Incoming requests accepted per second from one IP; `nil` disables the limit.
    public var maxRequestsPerSecondPerIP: Int? = 1024
    /// Incoming requests accepted per second overall; `nil` disables the limit.
    public var maxRequestsPerSecond: Int? = 8192
    /// Total bytes of values stored for others (`DEFAULT_STORAGE_LIMIT`).
    public var maxStorageBytes: Int = 64 << 20
    /// Values stored under one key (`Storage::MAX_VALUES`).
    public var maxValuesPerKey: Int = 65_536
    /// Bytes stored under one key.
    public var maxBytesPerKey: Int = 16 << 20
    /// Keys with stored values.
    public var maxKeys: Int = 1 << 20
    /// Listeners kept per key, and in all.
    public var maxListenersPerKey: Int = 1024
    public var maxListeners: Int = 65_536
    /// Listeners one address (IP and port) may hold under one key; its oldest makes room beyond.
    public var maxListenersPerKeyPerAddress: Int = 8
    /// Value-part reassembly (§2.10): sessions open at once, in all and per source IP, and the
    /// bytes they may hold, in all and per source IP. Memory is committed only as parts arrive.
    public var maxPartSessions: Int = 256
    public var maxPartSessionsPerSource: Int = 32
    public var maxPartBytes: Int = 32 << 20
    public var maxPartBytesPerSource: Int = 4 << 20
    /// Routing-table nodes of one public /24 (IPv4) or /64 (IPv6) per bucket. Loopback, private
    /// and link-local addresses are exempt: a LAN or a test machine holds many honest nodes.
    public var maxNodesPerSubnetPerBucket: Int = 2
    /// Nodes started as bootstrap nodes split buckets more eagerly, to know more of the network.
    public var isBootstrapNode = false
    /// Seed for the node's random choices; the same seed replays the same behaviour.
    public var randomSeed: UInt64?
    /// Extra store and edit checks (signatures, certificate keys); without one, signed values are
    /// stored unchecked, as a node without OpenDHT's SecureDht layer would.
    public var validator: (any ValueValidator)?
    /// Value lifetimes in milliseconds that differ from OpenDHT's (``ValueType``), by type id. A
    /// private network may shorten them, e.g. so tests see presence expire in seconds; on the
    /// public network every node must keep the defaults.
    public var lifetimeOverrides: [UInt16: Int64] = [:]

    public init() {}

    /// How long a value of type `type` lives after its creation.
    public func lifetime(ofType type: UInt16) -> Int64 {
        lifetimeOverrides[type] ?? ValueType.forID(type).expiration
    }
}

/// Protocol constants (§8), in milliseconds where they are durations.
public enum DHTConstants {
    public static let bucketSize = 8
    public static let searchNodes = 14
    /// How often a search with permanent puts or listens takes in nodes that became closer.
    public static let searchRefreshInterval: Int64 = 60_000
    /// Nodes a value should reach; a node that knows this many closer peers than itself is too far.
    public static let targetNodes = 8
    public static let maxInFlightPerSearch = 4
    /// How long a search started by ``DHTCore/prepare(_:now:)`` is kept waiting for its put (ms).
    public static let preparedSearchLifetime: Int64 = 10_000
    public static let listenNodes = 4
    public static let nodeGoodTime: Int64 = 120 * 60_000
    public static let nodeExpireTime: Int64 = 10 * 60_000
    public static let searchSyncTime: Int64 = 10 * 60_000
    public static let listenRefreshInterval: Int64 = 20_000
    public static let remoteListenerLifetime: Int64 = 10 * 60_000
    public static let reannounceMargin: Int64 = 10_000
    public static let requestAttempts = 3
    public static let tokenRotationMin: Int64 = 15 * 60_000
    public static let tokenRotationMax: Int64 = 45 * 60_000
    public static let partReceiveTimeout: Int64 = 3_000
    public static let partSessionMaxTime: Int64 = 10_000
    public static let maxAuthErrors = 3
}

extension Int64 {
    /// "Never happened", as a time in milliseconds. Far enough in the past that `now - distantPast`
    /// cannot overflow (unlike `Int64.min`), so elapsed-time checks need no special case.
    public static let distantPast: Int64 = -(1 << 60)
}
