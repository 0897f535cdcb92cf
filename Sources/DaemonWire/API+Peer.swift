extension API {
    /// A peer device this device is connected to, or tried to reach
    /// (`GET /v1/accounts/{id}/peers`).
    public struct Peer: Codable, Sendable, Equatable {
        public var device: String
        /// The peer's account, once its chain was checked.
        public var account: String?
        public var state: PeerState
        /// Milliseconds since 1970 when it entered `state`.
        public var since: Int64
        /// `outgoing` when we asked, `incoming` when the peer did.
        public var direction: String?
        /// The candidate pair in use: `host`, `srflx`, `prflx` or `relay`.
        public var pair: String?
        /// Milliseconds from our connection request (or our answer) being put on the DHT to
        /// the socket being ready (ICE, TLS and the multiplexer's version exchange done).
        public var setupMs: Int?
        /// Why the last attempt failed or the socket closed.
        public var reason: String?
        /// Names of the open channels.
        public var channels: [String]?
        /// The last channel names the peer asked for that this device does not serve.
        public var declined: [String]?
        public var bytesIn: Int?
        public var bytesOut: Int?

        public init(device: String, account: String? = nil, state: PeerState, since: Int64) {
            self.device = device
            self.account = account
            self.state = state
            self.since = since
        }
    }

    public struct PeerList: Codable, Sendable, Equatable {
        public var peers: [Peer]
        public init(peers: [Peer]) { self.peers = peers }
    }

    public enum PeerState: String, Codable, Sendable {
        case connecting, connected, failed, closed
    }

    /// The body of `POST /v1/accounts/{id}/peers`: an account id, a username or a device id.
    public struct ConnectPeer: Codable, Sendable, Equatable {
        public var peer: String
        public init(peer: String) { self.peer = peer }
    }
}

extension API {
    /// The body of `POST /v1/accounts/{id}/peers/{peer}/channels`: a channel name to try.
    public struct ProbeChannel: Codable, Sendable, Equatable {
        public var name: String
        public init(name: String) { self.name = name }
    }

    /// Whether the peer accepted the channel (it is closed again at once).
    public struct ChannelProbe: Codable, Sendable, Equatable {
        public var name: String
        public var accepted: Bool
        /// Why not, when it was not accepted.
        public var detail: String?
        public init(name: String, accepted: Bool, detail: String? = nil) {
            self.name = name
            self.accepted = accepted
            self.detail = detail
        }
    }
}
