import FoundationEssentials
import SwiftASN1
import X509

extension RevocationList {
    init(issuer: DistinguishedName, thisUpdate: Date, nextUpdate: Date?, entries: [Entry], number: [UInt8]?,
         derBytes: [UInt8], tbsBytes: [UInt8], signatureAlgorithm: ASN1ObjectIdentifier, signature: [UInt8]) {
        self.issuer = issuer
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.entries = entries
        self.number = number
        self.derBytes = derBytes
        self.tbsBytes = tbsBytes
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature
    }

    static func parse(_ bytes: [UInt8]) throws -> RevocationList {
        let root = try DER.parse(bytes)
        return try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbsNode = nodes.next(), let algNode = nodes.next(), let sigNode = nodes.next() else {
                throw IdentityError.malformed("revocation list: missing parts")
            }
            return try parseTBS(tbsNode, derBytes: bytes, signatureAlgorithm: try algorithmOID(algNode),
                                signature: Array(try ASN1BitString(derEncoded: sigNode).bytes))
        }
    }

    private static func algorithmOID(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            while nodes.next() != nil {}  // parameters (NULL for RSA)
            return oid
        }
    }

    /// The signed body; the outer parts are passed through to the result.
    private static func parseTBS(_ node: ASN1Node, derBytes: [UInt8], signatureAlgorithm: ASN1ObjectIdentifier, signature: [UInt8]) throws -> RevocationList {
        guard case .constructed(let children) = node.content, node.identifier == .sequence else {
            throw IdentityError.malformed("revocation list: body is not a sequence")
        }
        var items = Array(children)
        if items.first?.identifier == .integer { items.removeFirst() }  // version
        guard items.count >= 3 else { throw IdentityError.malformed("revocation list: too few fields") }
        _ = try algorithmOID(items[0])
        let issuer = try DistinguishedName(derEncoded: items[1])
        guard let thisUpdate = try ASN1Time.parse(items[2]) else { throw IdentityError.malformed("revocation list: thisUpdate") }
        var i = 3
        var nextUpdate: Date?
        if i < items.count, let t = try ASN1Time.parse(items[i]) {
            nextUpdate = t
            i += 1
        }
        var entries: [Entry] = []
        if i < items.count, items[i].identifier == .sequence {
            guard case .constructed(let revoked) = items[i].content else { throw IdentityError.malformed("revocation list: entries") }
            for e in revoked {
                guard entries.count < maxEntries else { throw IdentityError.malformed("revocation list: too many entries") }
                entries.append(try parseEntry(e))
            }
            i += 1
        }
        var number: [UInt8]?
        if i < items.count, items[i].identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            let extensions = try DER.explicitlyTagged(items[i], tagNumber: 0, tagClass: .contextSpecific) { inner in
                try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: inner)
            }
            if let n = extensions.first(where: { $0.oid == crlNumberOID }) {
                number = try GnuTLSSerials.rawInteger(try DER.parse(n.value))
            }
        }
        return RevocationList(issuer: issuer, thisUpdate: thisUpdate, nextUpdate: nextUpdate, entries: entries, number: number,
                              derBytes: derBytes, tbsBytes: Array(node.encodedBytes), signatureAlgorithm: signatureAlgorithm, signature: signature)
    }

    private static func parseEntry(_ node: ASN1Node) throws -> Entry {
        try DER.sequence(node, identifier: .sequence) { nodes in
            guard let serialNode = nodes.next(), let dateNode = nodes.next(), let date = try ASN1Time.parse(dateNode) else {
                throw IdentityError.malformed("revocation list: entry")
            }
            while nodes.next() != nil {}  // entry extensions (reason codes) are not needed
            return Entry(serial: try GnuTLSSerials.rawInteger(serialNode), date: date)
        }
    }
}
