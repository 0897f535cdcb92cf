import FoundationEssentials
import X509

/// Checks a Jami certificate chain: every link (issuer name and signature), that each issuer is a
/// CA, validity periods at `now`, that the top certificate is self-signed, and revocation against
/// the CRLs given (a CRL counts only when the certificate's own issuer signed it).
///
/// Complexity: one RSA verification per link and per CRL consulted; chains are at most
/// ``CertificateChain/maxLength`` long.
public struct ChainVerifier: Sendable {
    public var now: Date
    public var revocationLists: [RevocationList]
    /// Jami chains end in a self-signed CA; a chain cut short is refused unless this is false.
    public var requireSelfSignedRoot = true

    public init(now: Date = Date(), revocationLists: [RevocationList] = []) {
        self.now = now
        self.revocationLists = revocationLists
    }

    /// Throws ``IdentityError/invalidChain(_:)`` or ``IdentityError/revoked(serial:)`` naming the
    /// failing certificate.
    public func verify(_ chain: CertificateChain) throws(IdentityError) {
        try verifyLinks(chain)
        try checkRevocation(chain)
    }

    /// Everything ``verify(_:)`` checks but revocation, so a caller can check the links while
    /// the revocation lists are still being fetched.
    public func verifyLinks(_ chain: CertificateChain) throws(IdentityError) {
        let certs = chain.certificates
        guard !certs.isEmpty else { throw .invalidChain("no certificate") }
        guard certs.count <= CertificateChain.maxLength else { throw .invalidChain("too many certificates") }
        for (i, cert) in certs.enumerated() {
            let what = Self.describe(cert, position: i)
            guard cert.rsaPublicKey != nil else { throw .invalidChain("\(what) has no RSA key") }
            guard cert.notValidBefore <= now else { throw .invalidChain("\(what) is not valid before \(cert.notValidBefore)") }
            guard now <= cert.notValidAfter else { throw .invalidChain("\(what) expired on \(cert.notValidAfter)") }
            let issuer = i + 1 < certs.count ? certs[i + 1] : cert
            let isTop = i + 1 == certs.count
            if isTop && cert.issuer != cert.subject {
                if requireSelfSignedRoot { throw .invalidChain("\(what) is not self-signed and its issuer is missing") }
                continue
            }
            guard cert.issuer == issuer.subject else { throw .invalidChain("\(what) was not issued by \(Self.describe(issuer, position: i + 1))") }
            guard issuer.isCertificateAuthority else { throw .invalidChain("\(Self.describe(issuer, position: i + 1)) is not a CA") }
            // Over the DER as received: swift-certificates may have parsed a re-encoded copy.
            let parts = try GnuTLSSerials.parts(of: chain.encodings[i])
            guard let issuerKey = issuer.rsaPublicKey, issuerKey.isValidSignature(parts.signature, for: parts.tbs, algorithm: parts.algorithm) else {
                throw .invalidChain("\(what) has a bad signature")
            }
        }
    }

    /// Throws ``IdentityError/revoked(serial:)`` when a certificate below the root is listed in
    /// one of ``revocationLists`` signed by that certificate's issuer.
    public func checkRevocation(_ chain: CertificateChain) throws(IdentityError) {
        let certs = chain.certificates
        for i in certs.indices.dropLast() where !revocationLists.isEmpty {
            let serial = try GnuTLSSerials.parts(of: chain.encodings[i]).serial
            for crl in revocationLists where crl.contains(serial: serial) && crl.isSigned(by: certs[i + 1]) {
                throw .revoked(serial: Hex.encode(serial))
            }
        }
    }

    static func describe(_ cert: Certificate, position: Int) -> String {
        "certificate \(position) (\(cert.commonName ?? "no name"), \(cert.keyID))"
    }
}
