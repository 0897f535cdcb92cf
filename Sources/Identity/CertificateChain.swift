import FoundationEssentials
import SwiftASN1
import X509
import _CryptoExtras

/// Certificates ordered leaf first, each issued by the next (device → account → CA), as GnuTLS
/// reads and writes them: concatenated PEM blocks.
///
/// Each certificate's DER is kept exactly as read (``encodings``): it is what signatures cover
/// and what we publish again, even when swift-certificates needed a re-encoded copy to parse it
/// (see `GnuTLSSerials`).
public struct CertificateChain: Sendable, Hashable {
    /// Longest chain accepted from outside; Jami's have three certificates.
    public static let maxLength = 8

    public let certificates: [Certificate]
    /// The DER of each certificate, byte for byte as received or made.
    public let encodings: [[UInt8]]

    /// A chain of certificates made here (their DER is swift-certificates' own encoding).
    public init(_ certificates: [Certificate]) {
        self.certificates = certificates
        self.encodings = certificates.map { c in
            var s = DER.Serializer()
            try? s.serialize(c)  // safe: a Certificate value always serializes
            return s.serializedBytes
        }
    }

    /// Parses DER certificates, leaf first, keeping their exact bytes.
    public init(derEncodings: [[UInt8]]) throws(IdentityError) {
        guard !derEncodings.isEmpty else { throw .malformed("no certificate") }
        guard derEncodings.count <= Self.maxLength else { throw .malformed("more than \(Self.maxLength) certificates") }
        var certs: [Certificate] = []
        for der in derEncodings {
            guard let c = try? Certificate(derEncoded: GnuTLSSerials.canonical(der)) else { throw .malformed("certificate DER") }
            certs.append(c)
        }
        self.certificates = certs
        self.encodings = derEncodings
    }

    /// Reads concatenated PEM certificates, or one DER certificate. A leading msgpack `bin` header
    /// (OpenDHT's certificate values) is skipped, since GnuTLS's PEM reader skips it too.
    public init(pemOrDER bytes: [UInt8]) throws(IdentityError) {
        if let text = String(validating: bytes, as: UTF8.self) ?? Self.textAfterBinHeader(bytes), text.contains("-----BEGIN CERTIFICATE-----") {
            guard let docs = try? PEMDocument.parseMultiple(pemString: text).filter({ $0.discriminator == "CERTIFICATE" }), !docs.isEmpty else {
                throw .malformed("certificate PEM")
            }
            guard docs.count <= Self.maxLength else { throw .malformed("more than \(Self.maxLength) certificates") }
            try self.init(derEncodings: docs.map(\.derBytes))
        } else {
            try self.init(derEncodings: [bytes])
        }
    }

    /// The leaf: the device (or whatever the chain identifies).
    public var leaf: Certificate { certificates[0] }

    /// The serial of certificate `index` exactly as encoded (what CRLs list).
    public func rawSerial(at index: Int) -> [UInt8] {
        (try? GnuTLSSerials.parts(of: encodings[index]).serial) ?? Array(certificates[index].serialNumber.bytes)
    }

    /// The same serial in lower-case hex, for people.
    public func serialHex(at index: Int) -> String { Hex.encode(rawSerial(at: index)) }

    /// Concatenated PEM, leaf first.
    public var pem: String {
        encodings.map { PEMDocument(type: "CERTIFICATE", derBytes: $0).pemString + "\n" }.joined()
    }

    /// A leaf's chain completed by its issuer's, keeping both sides' exact encodings.
    public static func + (lhs: CertificateChain, rhs: CertificateChain) -> CertificateChain {
        CertificateChain(certificates: lhs.certificates + rhs.certificates, encodings: lhs.encodings + rhs.encodings)
    }

    private init(certificates: [Certificate], encodings: [[UInt8]]) {
        self.certificates = certificates
        self.encodings = encodings
    }

    /// A bin-headered value in OpenDHT's certificate format holds the PEM as a msgpack `bin`.
    private static func textAfterBinHeader(_ b: [UInt8]) -> String? {
        let skip: Int
        switch b.first {
        case 0xc4: skip = 2
        case 0xc5: skip = 3
        case 0xc6: skip = 5
        default: return nil
        }
        guard b.count > skip else { return nil }
        return String(validating: b[skip...], as: UTF8.self)
    }
}

extension Certificate {
    /// The subject's RSA key, if it is one.
    public var rsaPublicKey: RSAPublicKey? {
        _RSA.Signing.PublicKey(publicKey).map(RSAPublicKey.init(signing:))
    }

    /// SHA-1 of the subject key's DER SubjectPublicKeyInfo: an account id for an account
    /// certificate, a device short id for a device certificate.
    public var keyID: PublicKeyID { PublicKeyID(spki: spkiDER) }

    /// The DER SubjectPublicKeyInfo (swift-certificates' `subjectPublicKeyInfoBytes` is only the
    /// key bits inside it).
    public var spkiDER: [UInt8] {
        var s = DER.Serializer()
        try? s.serialize(publicKey)  // safe: a parsed key re-serializes
        return s.serializedBytes
    }

    public var commonName: String? { attribute(.RDNAttributeType.commonName) }
    public var uid: String? { attribute(JamiCertificates.uidOID) }
    /// The issuer's UID: for a Jami device certificate, the id of the account that issued it.
    public var issuerUID: String? { attribute(JamiCertificates.uidOID, in: issuer) }

    /// Whether basic constraints say this certificate may issue others.
    public var isCertificateAuthority: Bool {
        guard let bc = try? extensions.basicConstraints else { return false }
        if case .isCertificateAuthority = bc { return true }
        return false
    }

    private func attribute(_ oid: ASN1ObjectIdentifier, in name: DistinguishedName? = nil) -> String? {
        for rdn in name ?? subject {
            for a in rdn where a.type == oid {
                return String(describing: a.value)
            }
        }
        return nil
    }
}
