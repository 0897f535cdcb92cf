import DHT
import Identity

/// What every OpenDHT node checks before storing a value for someone (SecureDht's store and edit
/// policies, §6.4): signed values of the secure types 0, 1, 3, 4 and 5 must verify; a certificate
/// (type 8) must sit at its own key id and may only be replaced by one with the same key.
/// Encrypted values and other types cannot be checked and are stored as they are.
public struct SecureValueValidator: ValueValidator {
    /// OpenDHT's `DEFAULT_TYPES`, whose signed values are verified on store.
    static let secureTypes: Set<UInt16> = [0, 1, 3, 4, 5]

    public init() {}

    public func rejection(of value: Value, under key: InfoHash) -> String? {
        guard !value.isEncrypted else { return nil }
        if value.type == ValueType.certificate.id {
            return CertificateValue.chain(in: value, expectedAt: key) == nil ? "certificate not at its key id" : nil
        }
        if value.isSigned && Self.secureTypes.contains(value.type) {
            do {
                try value.verifySignature()
            } catch {
                return "\(error)"
            }
        }
        return nil
    }

    public func mayReplace(_ old: Value, with new: Value, under key: InfoHash) -> Bool {
        if old.type == ValueType.certificate.id && !old.isSigned && !old.isEncrypted {
            // Both passed `rejection`, so both certificates carry the key `key`: same public key.
            return new.type == ValueType.certificate.id && !new.isEncrypted
        }
        return ValuePolicy.mayEdit(old, with: new)
    }
}
