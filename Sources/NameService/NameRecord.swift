import Identity

/// One registered name. Immutable once stored: the protocol never reassigns or edits a name,
/// which is what lets servers and clients cache records without invalidation.
public struct NameRecord: Sendable, Hashable {
    /// Canonical (lower-case) name.
    public let name: String
    public let address: PublicKeyID
    /// Base64 of the account public key's PEM, exactly as registered.
    public let publicKey: String
    /// Base64 of the account key's RSA-SHA512 signature over `name`.
    public let signature: String
    /// The registrant's legacy Ethereum-style owner address, kept as sent (lower-case hex with
    /// `0x`); servers only echo it back.
    public let owner: String?

    public init(name: String, address: PublicKeyID, publicKey: String, signature: String, owner: String?) {
        self.name = name
        self.address = address
        self.publicKey = publicKey
        self.signature = signature
        self.owner = owner
    }
}

extension NameRecord {
    /// Checks a registration as a server must before storing it: the name is valid, the public
    /// key parses, its id is the address, and the signature over the lower-case name verifies.
    /// Registrations without a key and signature (the reference server's legacy path) are
    /// refused: anyone could claim a name for someone else's address otherwise.
    public static func verified(name rawName: some StringProtocol, request: RegistrationRequest) throws(NameServiceError) -> NameRecord {
        let name = try NameRules.canonical(rawName)
        guard let addr = request.addr else { throw .invalidAddress }
        let address = try AccountAddress.parse(addr)
        let owner = try request.owner.map { o throws(NameServiceError) in try normalizedOwner(o) }
        guard let publicKey = request.publickey, !publicKey.isEmpty, publicKey.utf8.count <= maxPublicKeyText,
              let pem = Base64.decode(publicKey), let key = try? RSAPublicKey(pemOrDER: pem)
        else { throw .missingPublicKey }
        guard let signature = request.signature, !signature.isEmpty, signature.utf8.count <= maxSignatureText,
              let signatureBytes = Base64.decode(signature)
        else { throw .missingSignature }
        guard key.id == address else { throw .keyMismatch }
        guard key.isValidSignature(signatureBytes, for: Array(name.utf8)) else { throw .badSignature }
        return NameRecord(name: name, address: address, publicKey: publicKey, signature: signature, owner: owner)
    }

    /// An RSA-8192 key's PEM is about 1.5 KB; base64 makes it 2 KB. Anything far larger is not
    /// a key worth parsing.
    static let maxPublicKeyText = 4096
    static let maxSignatureText = 2048

    /// Owner addresses are hex (the reference server parses them as a number), at most 40 digits.
    static func normalizedOwner(_ text: String) throws(NameServiceError) -> String {
        var s = Substring(text)
        if s.hasPrefix("0x") || s.hasPrefix("0X") { s = s.dropFirst(2) }
        guard (1...40).contains(s.utf8.count), s.utf8.allSatisfy({ Base64.isHexDigit($0) }) else {
            throw .malformedBody("owner must be a hex address")
        }
        return "0x" + s.lowercased()
    }
}
