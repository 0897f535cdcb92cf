import FoundationEssentials
import X509

/// The portable account, in Jami's archive format (§1.6): one compact JSON object holding the CA
/// and account keys (PKCS#8 PEM, base64), the account certificate chain (PEM, base64), the eth key,
/// the CRL (DER, base64), contacts, conversations, conversation requests and configuration
/// strings. Unknown members are kept and written back.
public struct AccountArchive: Sendable {
    public var caKey: RSAPrivateKey?
    public var accountKey: RSAPrivateKey
    /// Account certificate first, then the CA certificate.
    public var accountChain: CertificateChain
    /// The secp256k1 secret Jami uses as its name-server owner key (32 bytes).
    public var ethKey: [UInt8]
    public var revocationList: RevocationList?
    /// Other members, as read: contacts, conversations, conversation requests, configuration.
    public var otherMembers: [String: JSONValue]

    public init(caKey: RSAPrivateKey?, accountKey: RSAPrivateKey, accountChain: CertificateChain, ethKey: [UInt8],
                revocationList: RevocationList? = nil, otherMembers: [String: JSONValue] = [:]) {
        self.caKey = caKey
        self.accountKey = accountKey
        self.accountChain = accountChain
        self.ethKey = ethKey
        self.revocationList = revocationList
        self.otherMembers = otherMembers
    }

    /// The 40-hex Jami id: SHA-1 of the account key's SubjectPublicKeyInfo.
    public var accountID: PublicKeyID { accountKey.publicKey.id }
    public var accountCertificate: Certificate { accountChain.leaf }

    enum Member {
        static let caKey = "ringCaKey", accountKey = "ringAccountKey", accountCert = "ringAccountCert"
        static let ethKey = "ethKey", crl = "ringAccountCRL"
    }

    /// Reads the JSON. Fails with a typed error on anything missing or malformed, and when the
    /// certificate does not belong to the account key.
    public init(json: [UInt8]) throws(IdentityError) {
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(json)) else {
            throw .malformed("the archive is not a JSON object")
        }
        func decoded(_ key: String) throws(IdentityError) -> [UInt8]? {
            guard let value = object[key] else { return nil }
            guard let s = value.stringValue, let d = Data(base64Encoded: s) else { throw .malformed("archive member \(key) is not base64") }
            return Array(d)
        }
        guard let keyBytes = try decoded(Member.accountKey) else { throw .malformed("the archive has no account key") }
        accountKey = try RSAPrivateKey(pemOrDER: keyBytes)
        caKey = try decoded(Member.caKey).map { (b) throws(IdentityError) in try RSAPrivateKey(pemOrDER: b) }
        guard let certBytes = try decoded(Member.accountCert) else { throw .malformed("the archive has no account certificate") }
        accountChain = try CertificateChain(pemOrDER: certBytes)
        guard accountChain.leaf.keyID == accountKey.publicKey.id else {
            throw .invalidChain("the archive's certificate is not the account key's")
        }
        ethKey = try decoded(Member.ethKey) ?? []
        revocationList = try decoded(Member.crl).map { (b) throws(IdentityError) in try RevocationList(derEncoded: b) }
        let known: Set = [Member.caKey, Member.accountKey, Member.accountCert, Member.ethKey, Member.crl]
        otherMembers = object.filter { !known.contains($0.key) }
    }

    /// Compact JSON, as jsoncpp writes it for Jami (members sorted by name).
    public func json() -> [UInt8] {
        var object = otherMembers
        if let caKey { object[Member.caKey] = .string(Data(caKey.pkcs8PEM.utf8).base64EncodedString()) }
        object[Member.accountKey] = .string(Data(accountKey.pkcs8PEM.utf8).base64EncodedString())
        object[Member.accountCert] = .string(Data(accountChain.pem.utf8).base64EncodedString())
        object[Member.ethKey] = .string(Data(ethKey).base64EncodedString())
        if let revocationList { object[Member.crl] = .string(Data(revocationList.derBytes).base64EncodedString()) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(object)) ?? Data("{}".utf8))  // safe: strings and JSONValues always encode
    }
}
