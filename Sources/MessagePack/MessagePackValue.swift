/// A decoded msgpack object, for callers that want a tree rather than streaming reads.
///
/// Maps keep their entries in wire order: OpenDHT signs re-packed bodies, so order is significant
/// wherever a byte-identical re-encoding is needed.
public indirect enum MessagePackValue: Sendable, Hashable {
    case `nil`
    case bool(Bool)
    /// Negative integers. Non-negative integers always decode as `.uint`, as msgpack-c packs them.
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    case binary([UInt8])
    case array([MessagePackValue])
    case map([MessagePackPair])
    case ext(type: Int8, data: [UInt8])

    /// The entry with the given string key, if this is a map holding one.
    public subscript(key: String) -> MessagePackValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key == .string(key) }?.value
    }

    /// The value as an unsigned integer, when it is a non-negative integer.
    public var uintValue: UInt64? {
        switch self {
        case .uint(let v): return v
        case .int(let v) where v >= 0: return UInt64(v)
        default: return nil
        }
    }

    /// The raw bytes of a `bin` or `str` value.
    public var bytesValue: [UInt8]? {
        switch self {
        case .binary(let b): return b
        case .string(let s): return Array(s.utf8)
        default: return nil
        }
    }
}

/// One key/value entry of a msgpack map.
public struct MessagePackPair: Sendable, Hashable {
    public var key: MessagePackValue
    public var value: MessagePackValue

    public init(_ key: MessagePackValue, _ value: MessagePackValue) {
        self.key = key
        self.value = value
    }
}
