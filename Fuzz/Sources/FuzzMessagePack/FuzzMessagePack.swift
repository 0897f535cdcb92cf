import MessagePack

/// libFuzzer entry: decode arbitrary bytes; a trap or sanitizer report is a bug.
/// Anything that decodes must re-encode to bytes that decode to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessagePack(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? MessagePackReader.decode(bytes) {
        let again = try? MessagePackReader.decode(value.encoded)
        precondition(again == value || value.containsNaN, "re-encoding changed the value")
    }
    return 0
}

extension MessagePackValue {
    /// NaN never equals itself, so round trips of floats holding NaN are not compared.
    var containsNaN: Bool {
        switch self {
        case .float(let f): return f.isNaN
        case .double(let d): return d.isNaN
        case .array(let a): return a.contains { $0.containsNaN }
        case .map(let m): return m.contains { $0.key.containsNaN || $0.value.containsNaN }
        default: return false
        }
    }
}
