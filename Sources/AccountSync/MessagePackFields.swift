import MessagePack

/// Reading jamid's `MSGPACK_DEFINE_MAP` structures: a missing key leaves the default (as
/// msgpack-c's conversion does), a present one of the wrong type refuses the message.
extension MessagePackValue {
    var pairs: [MessagePackPair]? { if case .map(let p) = self { p } else { nil } }

    func field(_ key: String) -> MessagePackValue? { self[key] }

    func string(_ key: String) throws(SyncError) -> String {
        guard let v = field(key) else { return "" }
        guard case .string(let s) = v else { throw .malformed("\(key) is not a string") }
        return s
    }

    func int(_ key: String) throws(SyncError) -> Int64 {
        switch field(key) {
        case nil: return 0
        case .int(let i): return i
        case .uint(let u) where u <= UInt64(Int64.max): return Int64(u)
        default: throw .malformed("\(key) is not an integer")
        }
    }

    func uint(_ key: String) throws(SyncError) -> UInt64 {
        switch field(key) {
        case nil: return 0
        case .uint(let u): return u
        case .int(let i) where i >= 0: return UInt64(i)
        default: throw .malformed("\(key) is not an unsigned integer")
        }
    }

    func bool(_ key: String) throws(SyncError) -> Bool {
        switch field(key) {
        case nil: return false
        case .bool(let b): return b
        default: throw .malformed("\(key) is not a boolean")
        }
    }

    func binary(_ key: String) throws(SyncError) -> [UInt8] {
        switch field(key) {
        case nil: return []
        case .binary(let b): return b
        case .string(let s): return Array(s.utf8)
        default: throw .malformed("\(key) is not binary")
        }
    }

    /// The entries of a map field (empty when missing).
    func map(_ key: String) throws(SyncError) -> [MessagePackPair] {
        guard let v = field(key) else { return [] }
        guard let p = v.pairs else { throw .malformed("\(key) is not a map") }
        return p
    }

    /// A map of strings to strings (`metadatas`, preferences).
    var stringMap: [String: String]? {
        guard let pairs else { return nil }
        var out: [String: String] = [:]
        for p in pairs {
            guard case .string(let k) = p.key, case .string(let v) = p.value else { return nil }
            out[k] = v
        }
        return out
    }
}

extension [String: String] {
    var messagePack: MessagePackValue { .map(sorted { $0.key < $1.key }.map { MessagePackPair(.string($0.key), .string($0.value)) }) }
}
