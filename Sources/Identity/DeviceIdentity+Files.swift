import FoundationEssentials

extension DeviceIdentity {
    /// An identity folder as OpenDHT tools and the reference harness write it: `key.pem`
    /// (PKCS#8) and `cert.pem` (the chain, leaf first).
    public static func load(directory: URL) throws(IdentityError) -> DeviceIdentity {
        let key = try RSAPrivateKey(pemOrDER: SecureFile.read(directory.appendingPathComponent("key.pem"), limit: 1 << 20))
        let chain = try CertificateChain(pemOrDER: SecureFile.read(directory.appendingPathComponent("cert.pem"), limit: 1 << 20))
        guard chain.leaf.keyID == key.publicKey.id else {
            throw .invalidChain("cert.pem is not the certificate of key.pem")
        }
        return DeviceIdentity(key: key, chain: chain)
    }

    /// Writes `key.pem` and `cert.pem` (0600) into `directory` (created 0700 if missing).
    public func write(directory: URL) throws(IdentityError) {
        try SecureFile.makeDirectory(directory)
        try SecureFile.write(Array(key.pkcs8PEM.utf8), to: directory.appendingPathComponent("key.pem"))
        try SecureFile.write(Array(chain.pem.utf8), to: directory.appendingPathComponent("cert.pem"))
    }
}
