/// Store-time checks that need more than the wire format, such as signature verification; the
/// SecureDHT layer provides one so that the core itself needs no public-key cryptography.
///
/// Both methods run on the node's event loop for every new or changed value (never for a
/// refresh of identical bytes), so they must be fast and must not block on I/O.
public protocol ValueValidator: Sendable {
    /// Why `value` must not be stored under `key`, or nil to accept it.
    func rejection(of value: Value, under key: InfoHash) -> String?

    /// Whether `new`, already accepted by ``rejection(of:under:)``, may replace `old` (same id).
    func mayReplace(_ old: Value, with new: Value, under key: InfoHash) -> Bool
}

extension ValueValidator {
    /// OpenDHT's default edit rule: only a signed value, by its owner, with a higher sequence number.
    public func mayReplace(_ old: Value, with new: Value, under key: InfoHash) -> Bool {
        ValuePolicy.mayEdit(old, with: new)
    }
}
