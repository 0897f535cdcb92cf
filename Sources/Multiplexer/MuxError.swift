/// Why a multiplexed socket (or one of its channels) was closed. Every failure caused by the
/// peer's bytes is one of these, so the connection service can log and report the reason.
public enum MuxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A frame that is not `[uint16, bin]` msgpack.
    case malformedFrame(String)
    /// A frame whose payload is longer than 65535 bytes.
    case oversizedFrame(Int)
    /// A control (channel 0) message that does not parse.
    case malformedControl(String)
    /// A protocol (channel 0xFFFF) message that does not parse.
    case malformedProtocol(String)
    /// No pong within the beacon timeout.
    case beaconTimeout
    /// The peer sent more than we buffer for it while not reading what we send.
    case peerNotReading
    /// A channel's reader kept its buffer full past the stall timeout.
    case readerStalled(channel: UInt16)
    /// The peer announced a protocol version we do not speak.
    case unsupportedVersion(Int)
    /// The socket was closed locally.
    case closedLocally

    public var description: String {
        switch self {
        case .malformedFrame(let why): "malformed frame: \(why)"
        case .oversizedFrame(let n): "frame of \(n) bytes (limit 65535)"
        case .malformedControl(let why): "malformed channel request: \(why)"
        case .malformedProtocol(let why): "malformed protocol message: \(why)"
        case .beaconTimeout: "no beacon answer within the timeout"
        case .peerNotReading: "the peer does not read what we send"
        case .readerStalled(let c): "channel \(c) was not read for too long"
        case .unsupportedVersion(let v): "unsupported multiplexer version \(v)"
        case .closedLocally: "closed locally"
        }
    }
}
