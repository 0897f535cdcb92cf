import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// Certificates ordered leaf first, each issued by the next (device → account → CA), as GnuTLS
/// reads and writes them: concatenated PEM blocks.
public struct CertificateChain: Sendable, Hashable {
    /// Longest chain accepted from outside; Jami's have three certificates.
    public static let maxLength = 8

    public var certificates: [Certificate]

    public init(_ certificates: [Certificate]) {
        self.certificates = certificates
    }

    /// Reads concatenated PEM certificates, or one DER certificate. A leading msgpack `bin` header
    /// (OpenDHT's certificate values) is skipped, since GnuTLS's PEM reader skips it too.
    public init(pemOrDER bytes: [UInt8]) throws(IdentityError) {
        if let text = String(validating: bytes, as: UTF8.self) ?? Self.textAfterBinHeader(bytes), text.contains("-----BEGIN CERTIFICATE-----") {
            guard let docs = try? PEMDocument.parseMultiple(pemString: text).filter({ $0.discriminator == "CERTIFICATE" }), !docs.isEmpty else {
                throw .malformed("certificate PEM")
            }
            guard docs.count <= Self.maxLength else { throw .malformed("more than \(Self.maxLength) certificates") }
            var certs: [Certificate] = []
            for doc in docs {
                guard let c = try? Certificate(derEncoded: doc.derBytes) else { throw .malformed("certificate DER inside PEM") }
                certs.append(c)
            }
            self.init(certs)
        } else {
            guard let c = try? Certificate(derEncoded: bytes) else { throw .malformed("certificate") }
            self.init([c])
        }
    }

    /// The leaf: the device (or whatever the chain identifies).
    public var leaf: Certificate { certificates[0] }

    /// Concatenated PEM, leaf first.
    public var pem: String {
        certificates.compactMap { try? $0.serializeAsPEM().pemString }.map { $0 + "\n" }.joined()
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

    /// Whether basic constraints say this certificate may issue others.
    public var isCertificateAuthority: Bool {
        guard let bc = try? extensions.basicConstraints else { return false }
        if case .isCertificateAuthority = bc { return true }
        return false
    }

    /// The serial number in lower-case hex (how CRLs and the CLI show it).
    public var serialHex: String { Hex.encode(serialNumber.bytes) }

    private func attribute(_ oid: ASN1ObjectIdentifier) -> String? {
        for rdn in subject {
            for a in rdn where a.type == oid {
                return String(describing: a.value)
            }
        }
        return nil
    }
}
