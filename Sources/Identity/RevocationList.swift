import FoundationEssentials
import SwiftASN1
import X509

/// An X.509 v2 certificate revocation list (RFC 5280 §5). swift-certificates has no CRL type, so
/// this one is built on SwiftASN1. Jami's account key issues one listing revoked devices.
public struct RevocationList: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        /// The revoked certificate's serial exactly as its certificate encodes it (GnuTLS compares
        /// serials byte for byte; see `GnuTLSSerials` for why they may read as negative).
        public var serial: [UInt8]
        public var date: Date
    }

    public let issuer: DistinguishedName
    public let thisUpdate: Date
    public let nextUpdate: Date?
    public let entries: [Entry]
    /// The CRL number extension, as big-endian bytes.
    public let number: [UInt8]?
    /// The whole signed CRL, as received or made.
    public let derBytes: [UInt8]
    let tbsBytes: [UInt8]
    let signatureAlgorithm: ASN1ObjectIdentifier
    let signature: [UInt8]

    /// Most entries accepted from outside (a CRL for a handful of devices is tiny).
    public static let maxEntries = 10_000

    public init(derEncoded bytes: [UInt8]) throws(IdentityError) {
        do {
            self = try Self.parse(bytes)
        } catch let e as IdentityError {
            throw e
        } catch {
            throw .malformed("revocation list: \(error)")
        }
    }

    /// Reads a DER CRL or the PEM of one ("X509 CRL").
    public init(pemOrDER bytes: [UInt8]) throws(IdentityError) {
        if let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN X509 CRL-----") {
            guard let doc = try? PEMDocument(pemString: text) else { throw .malformed("CRL PEM") }
            try self.init(derEncoded: doc.derBytes)
        } else {
            try self.init(derEncoded: bytes)
        }
    }

    public var pem: String { PEMDocument(type: "X509 CRL", derBytes: derBytes).pemString }

    /// Whether a serial is listed. Compared as unsigned numbers, so a serial re-encoded with or
    /// without a leading zero still counts as revoked.
    public func contains(serial: some Collection<UInt8>) -> Bool {
        let wanted = GnuTLSSerials.magnitude(serial)
        return entries.contains { GnuTLSSerials.magnitude($0.serial) == wanted }
    }

    /// Whether `issuer` signed this list (same name, valid signature by its key).
    public func isSigned(by issuer: Certificate) -> Bool {
        guard issuer.subject == self.issuer, let key = issuer.rsaPublicKey else { return false }
        return key.isValidSignature(signature, for: tbsBytes, algorithm: signatureAlgorithm)
    }
}

extension RevocationList {
    /// The CRL number extension (2.5.29.20).
    static let crlNumberOID: ASN1ObjectIdentifier = [2, 5, 29, 20]
    static let sha512WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 13]

    /// Signs a list as Jami's account does (§1.5): version 2, SHA-512, `nextUpdate` at the
    /// issuer's expiry, a CRL number that is random at first and then incremented.
    public static func sign(entries: [Entry], number: [UInt8], issuer: Certificate, key: RSAPrivateKey, now: Date = Date()) throws(IdentityError) -> RevocationList {
        do {
            var tbs = DER.Serializer()
            try tbs.appendConstructedNode(identifier: .sequence) { s in
                try s.serialize(1)  // v2
                try Self.serializeAlgorithm(into: &s)
                try s.serialize(issuer.subject)
                try ASN1Time.serialize(now, into: &s)
                try ASN1Time.serialize(issuer.notValidAfter, into: &s)
                if !entries.isEmpty {
                    try s.appendConstructedNode(identifier: .sequence) { s in
                        for e in entries {
                            try s.appendConstructedNode(identifier: .sequence) { s in
                                s.appendPrimitiveNode(identifier: .integer) { $0.append(contentsOf: e.serial) }
                                try ASN1Time.serialize(e.date, into: &s)
                            }
                        }
                    }
                }
                try s.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { s in
                    try s.appendConstructedNode(identifier: .sequence) { s in
                        if let ski = try? issuer.extensions.subjectKeyIdentifier {
                            try s.serialize(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: ski.keyIdentifier), critical: false))
                        }
                        var n = DER.Serializer()
                        try n.serialize(number[...])
                        try s.serialize(Certificate.Extension(oid: crlNumberOID, critical: false, value: n.serializedBytes[...]))
                    }
                }
            }
            let signature = try key.sign(tbs.serializedBytes)
            var whole = DER.Serializer()
            try whole.appendConstructedNode(identifier: .sequence) { s in
                s.serializeRawBytes(tbs.serializedBytes)
                try Self.serializeAlgorithm(into: &s)
                try s.serialize(ASN1BitString(bytes: signature[...]))
            }
            return try RevocationList(derEncoded: whole.serializedBytes)
        } catch let e as IdentityError {
            throw e
        } catch {
            throw .malformed("cannot sign revocation list: \(error)")
        }
    }

    /// This list plus the leaf of `chain`, re-signed with the CRL number incremented.
    public func revoking(leafOf chain: CertificateChain, issuer: Certificate, key: RSAPrivateKey, now: Date = Date()) throws(IdentityError) -> RevocationList {
        var list = entries
        let serial = chain.rawSerial(at: 0)
        if !contains(serial: serial) {
            list.append(Entry(serial: serial, date: now))
        }
        return try Self.sign(entries: list, number: Self.increment(number ?? [0]), issuer: issuer, key: key, now: now)
    }

    /// A fresh 8-byte random CRL number.
    public static func randomNumber() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return withUnsafeBytes(of: rng.next() >> 1) { Array($0) }
    }

    static func increment(_ n: [UInt8]) -> [UInt8] {
        var out = n
        for i in out.indices.reversed() {
            if out[i] == 0xff { out[i] = 0; continue }
            out[i] += 1
            return out
        }
        return [1] + out
    }

    private static func serializeAlgorithm(into s: inout DER.Serializer) throws {
        try s.appendConstructedNode(identifier: .sequence) { s in
            try s.serialize(sha512WithRSA)
            try s.serialize(ASN1Null())
        }
    }
}
