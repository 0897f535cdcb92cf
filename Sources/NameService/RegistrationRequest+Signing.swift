import Identity

extension RegistrationRequest {
    /// A registration of `name` for the account whose key is `accountKey`, signed as jamid
    /// signs it: RSA-SHA512 over the lower-case name, with the account public key's PEM.
    ///
    /// `owner` is the legacy Ethereum owner address; jamid derives it from the archive's
    /// `ethKey` (secp256k1 + Keccak, which no library here provides). Servers only require a hex
    /// value, so the account id is sent when the caller has none.
    public static func signed(name: some StringProtocol, accountKey: RSAPrivateKey, owner: String? = nil) throws(NameServiceError) -> RegistrationRequest {
        let canonical = try NameRules.canonical(name)
        let publicKey = accountKey.publicKey
        guard let signature = try? accountKey.sign(Array(canonical.utf8)) else { throw .badSignature }
        return RegistrationRequest(
            addr: publicKey.id.hex,
            owner: owner ?? AccountAddress.wire(publicKey.id),
            signature: Base64.encode(signature),
            publickey: Base64.encode(publicKey.pem.utf8))
    }
}
