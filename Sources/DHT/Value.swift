/// A value stored under an ``InfoHash``, with the fields OpenDHT 2.4 carries on the wire.
///
/// Values signed or encrypted by others are kept and forwarded field for field; ``packed()``
/// re-creates the exact bytes OpenDHT would send, which is also what signatures cover
/// (see ``bodyBytes()``).
public struct Value: Sendable, Hashable {
    /// Publisher-chosen, non-zero; (key, id) identifies a value.
    public var id: UInt64
    public var type: UInt16
    public var data: [UInt8]
    /// Sequence number of a signed value; edits need a higher one.
    public var seq: UInt16
    /// DER SubjectPublicKeyInfo of the signer, for signed values.
    public var owner: [UInt8]?
    /// Public-key id of the recipient, for values addressed to someone.
    public var recipient: InfoHash?
    public var signature: [UInt8]
    /// The encrypted Wrapper, for encrypted values (then every other body field is hidden).
    public var cypher: [UInt8]?
    public var userType: String
    public var priority: UInt64

    public init(id: UInt64, type: UInt16 = 0, data: [UInt8], userType: String = "") {
        self.id = id
        self.type = type
        self.data = data
        self.seq = 0
        self.owner = nil
        self.recipient = nil
        self.signature = []
        self.cypher = nil
        self.userType = userType
        self.priority = 0
    }

    /// An encrypted value: only its id and cypher are visible.
    public init(id: UInt64, cypher: [UInt8]) {
        self.init(id: id, data: [])
        self.cypher = cypher
    }

    public var isEncrypted: Bool { cypher != nil }
    public var isSigned: Bool { owner != nil && !signature.isEmpty }

    /// Bytes counted against OpenDHT's 64 KiB value limit (data + signature + cypher + user type).
    public var payloadSize: Int { data.count + signature.count + (cypher?.count ?? 0) + userType.utf8.count }

    /// Largest payload a storing node accepts (`MAX_VALUE_SIZE`).
    public static let maxPayloadSize = 65_536
}

/// Why a packed value was refused.
public enum ValueDecodingError: Error, Sendable, Equatable {
    case missingField(String)
    case invalidField(String)
    case malformed(String)
}
