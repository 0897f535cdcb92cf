/// Why a msgpack byte sequence was refused. Every decoding failure is one of these; the decoder
/// never traps on hostile input.
public enum MessagePackError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input ended inside an object.
    case truncated
    /// A format byte that msgpack does not define (0xc1).
    case invalidFormat(UInt8)
    /// The object at this position is not of the expected kind.
    case typeMismatch(expected: String, found: UInt8)
    /// A length or count above the configured limit, or above what the remaining input can hold.
    case limitExceeded(String)
    /// Containers nested deeper than the configured limit.
    case depthExceeded
    /// A `str` object that is not valid UTF-8.
    case invalidUTF8
    /// An integer that does not fit the requested Swift type.
    case integerOverflow
    /// Bytes left after the top-level object.
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .truncated: return "truncated msgpack input"
        case .invalidFormat(let b): return "invalid msgpack format byte 0x\(String(b, radix: 16))"
        case .typeMismatch(let e, let f): return "expected \(e), found format byte 0x\(String(f, radix: 16))"
        case .limitExceeded(let what): return "msgpack limit exceeded: \(what)"
        case .depthExceeded: return "msgpack nesting too deep"
        case .invalidUTF8: return "msgpack str is not valid UTF-8"
        case .integerOverflow: return "msgpack integer out of range"
        case .trailingBytes(let n): return "\(n) bytes after the msgpack object"
        }
    }
}

/// Bounds applied while decoding untrusted input.
public struct MessagePackLimits: Sendable, Equatable {
    /// Deepest container nesting accepted.
    public var maxDepth: Int
    /// Largest `str`/`bin`/`ext` payload accepted, in bytes.
    public var maxBytesLength: Int
    /// Most entries accepted in one array or map.
    public var maxContainerCount: Int

    public init(maxDepth: Int = 32, maxBytesLength: Int = 1 << 20, maxContainerCount: Int = 1 << 16) {
        self.maxDepth = maxDepth
        self.maxBytesLength = maxBytesLength
        self.maxContainerCount = maxContainerCount
    }

    /// Limits fitting one OpenDHT datagram or one value (values are at most 64 KiB).
    public static let dht = MessagePackLimits(maxDepth: 16, maxBytesLength: 65_536 + 1024, maxContainerCount: 65_536)
}
