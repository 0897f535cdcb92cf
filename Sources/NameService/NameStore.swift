import Identity

/// Durable storage of name records. Implementations must make `register` atomic: two
/// concurrent registrations of one name (or for one address) end with exactly one stored, and a
/// failure never leaves part of a record behind.
public protocol NameStore: Sendable {
    /// The record of a canonical name, if registered.
    func record(named name: String) async throws(NameStoreError) -> NameRecord?
    /// The name registered for an address, if any.
    func record(for address: PublicKeyID) async throws(NameStoreError) -> NameRecord?
    /// Stores `record` unless its name or its address is already taken.
    func register(_ record: NameRecord) async throws(NameStoreError) -> RegistrationOutcome
    /// Stores many already-verified records in one transaction (importing a registry), skipping
    /// those whose name or address is taken; returns how many were stored.
    func importRecords(_ records: [NameRecord]) async throws(NameStoreError) -> Int
    /// Number of registered names (for metrics and health).
    func count() async throws(NameStoreError) -> Int
}

/// What `NameStore.register` did.
public enum RegistrationOutcome: Sendable, Equatable {
    /// Newly stored.
    case registered
    /// This exact name is already registered to this address: the request is a harmless
    /// repeat (the reference server answers success).
    case alreadyRegistered
    /// The name belongs to another address.
    case nameTaken(NameRecord)
    /// The address already has another name.
    case addressHasName(NameRecord)
}

extension RegistrationOutcome {
    /// Why an insert of `record` changed nothing, given the rows holding its name and its
    /// address; nil when neither exists (the store then has a fault of its own).
    public static func refusal(of record: NameRecord, byName: NameRecord?, byAddress: NameRecord?) -> RegistrationOutcome? {
        if let byName { return byName.address == record.address ? .alreadyRegistered : .nameTaken(byName) }
        return byAddress.map { .addressHasName($0) }
    }
}

/// A storage failure: the database is unreachable or answered something unexpected.
public struct NameStoreError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
