import FoundationEssentials
import SwiftASN1
import X509
import _CryptoExtras

/// Issues certificates with exactly the fields Jami's GnuTLS code writes (§1.2 of the protocol
/// notes): CN and UID (the key id in hex) in the subject, random 64-bit serials, ten years of
/// validity, RSA-SHA384 signatures; CA and account certificates are CAs; device certificates are
/// issued from a PKCS#10 request and carry no extensions.
public enum JamiCertificates {
    /// LDAP `UID` (0.9.2342.19200300.100.1.1).
    public static let uidOID: ASN1ObjectIdentifier = [0, 9, 2342, 19_200_300, 100, 1, 1]
    public static let validity: TimeInterval = 3650 * 86_400
    static let signatureAlgorithm = Certificate.SignatureAlgorithm.sha384WithRSAEncryption

    /// `CN=<name>, UID=<key id hex>`, in that order, as GnuTLS writes it.
    public static func name(commonName: String, key: RSAPublicKey) -> DistinguishedName {
        DistinguishedName([
            RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: commonName)),
            RelativeDistinguishedName(.init(type: uidOID, utf8String: key.id.hex)),
        ])
    }

    /// A self-signed CA certificate (Jami's "Jami CA").
    public static func selfSignedCA(key: RSAPrivateKey, commonName: String = "Jami CA", now: Date = Date()) throws(IdentityError) -> Certificate {
        let subject = name(commonName: commonName, key: key.publicKey)
        return try issue(subject: subject, key: key.publicKey, isCA: true, issuer: subject, issuerKey: key, now: now)
    }

    /// A CA certificate signed by another CA (Jami's account certificate, CN "Jami").
    public static func intermediateCA(key: RSAPublicKey, commonName: String = "Jami", issuer: Certificate, issuerKey: RSAPrivateKey, now: Date = Date()) throws(IdentityError) -> Certificate {
        try issue(subject: name(commonName: commonName, key: key), key: key, isCA: true, issuer: issuer.subject, issuerKey: issuerKey, now: now)
    }

    /// The PKCS#10 request a new device makes: CN "Jami device", UID = its key id, signed by it.
    public static func deviceRequest(key: RSAPrivateKey, commonName: String = "Jami device") throws(IdentityError) -> CertificateSigningRequest {
        do {
            return try CertificateSigningRequest(
                version: .v1, subject: name(commonName: commonName, key: key.publicKey),
                privateKey: Certificate.PrivateKey(key.signing), attributes: .init(), signatureAlgorithm: signatureAlgorithm)
        } catch let e as IdentityError {
            throw e
        } catch {
            throw .malformed("certificate request: \(error)")
        }
    }

    /// Issues a device certificate from its request, as GnuTLS's `set_crq` path does: subject and
    /// key copied from the request (after checking its signature), no extensions.
    public static func issueDevice(from request: CertificateSigningRequest, issuer: Certificate, issuerKey: RSAPrivateKey, now: Date = Date()) throws(IdentityError) -> Certificate {
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw .invalidChain("the device's certificate request is not signed by its key")
        }
        guard let key = _RSA.Signing.PublicKey(request.publicKey) else { throw .unsupportedKey("device keys must be RSA") }
        return try issue(subject: request.subject, key: RSAPublicKey(signing: key), isCA: nil, issuer: issuer.subject, issuerKey: issuerKey, now: now)
    }

    /// `isCA`: true for CA extensions, false for an end-entity's, nil for none at all.
    static func issue(subject: DistinguishedName, key: RSAPublicKey, isCA: Bool?, issuer: DistinguishedName, issuerKey: RSAPrivateKey, now: Date) throws(IdentityError) -> Certificate {
        do {
            var extensions = Certificate.Extensions()
            if let isCA {
                try extensions.append(.init(SubjectKeyIdentifier(keyIdentifier: key.id.bytes[...]), critical: false))
                if isCA {
                    try extensions.append(.init(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true))
                    try extensions.append(.init(KeyUsage(keyCertSign: true, cRLSign: true), critical: true))
                } else {
                    try extensions.append(.init(KeyUsage(digitalSignature: true, dataEncipherment: true), critical: false))
                }
            }
            // Whole seconds, like GnuTLS: sub-second dates would not survive a DER round trip.
            let start = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
            return try Certificate(
                version: .v3, serialNumber: randomSerial(), publicKey: .init(key.signing),
                notValidBefore: start, notValidAfter: start + validity,
                issuer: issuer, subject: subject, signatureAlgorithm: signatureAlgorithm,
                extensions: extensions, issuerPrivateKey: .init(issuerKey.signing))
        } catch {
            throw .malformed("cannot issue certificate: \(error)")
        }
    }

    /// A random positive 64-bit integer in little-endian byte order, as OpenDHT's `setRandomSerial`
    /// hands an `int64_t` to GnuTLS on x86.
    static func randomSerial() -> Certificate.SerialNumber {
        let n = Int64.random(in: 1...Int64.max)
        return Certificate.SerialNumber(bytes: withUnsafeBytes(of: n.littleEndian) { Array($0) })
    }
}
