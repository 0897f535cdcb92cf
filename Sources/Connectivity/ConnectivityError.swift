/// Why a peer connection failed, as the API and events report it.
public enum ConnectivityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The peer did not answer our request in time.
    case noAnswer
    /// ICE found no working path (or timed out).
    case ice(String)
    /// The TLS handshake failed, or the peer's chain was refused (with why).
    case tls(String)
    case peerRefused(String)
    /// The multiplexed socket closed (with why).
    case socketClosed(String)
    /// A channel was declined by the peer.
    case channelDeclined(String)
    /// A local limit (pending requests, sockets, channels).
    case limit(String)
    case cancelled

    public var description: String {
        switch self {
        case .noAnswer: "the peer did not answer the connection request"
        case .ice(let why): "no connection path: \(why)"
        case .tls(let why): "TLS: \(why)"
        case .peerRefused(let why): "peer refused: \(why)"
        case .socketClosed(let why): "socket closed: \(why)"
        case .channelDeclined(let name): "channel \(name) declined"
        case .limit(let what): "limit reached: \(what)"
        case .cancelled: "cancelled"
        }
    }
}
