import SwiftASN1

/// GnuTLS, and so OpenDHT and Jami, writes a certificate's random 64-bit serial as raw bytes in
/// host order: about half of real Jami certificates carry a *negative* serial INTEGER (top bit
/// set) and 1 in 256 a non-minimal one (a needless leading zero). swift-certificates refuses
/// both. We keep every certificate's DER exactly as received — signatures cover it and peers
/// compare serials byte for byte — and hand swift-certificates a copy whose serial is re-encoded
/// as the positive integer with the same bytes.
enum GnuTLSSerials {
    /// The content bytes of a DER INTEGER exactly as written (no sign or minimality rules).
    static func rawInteger(_ node: ASN1Node) throws(IdentityError) -> [UInt8] {
        guard node.identifier == .integer, case .primitive(let bytes) = node.content, !bytes.isEmpty else {
            throw .malformed("INTEGER expected")
        }
        return Array(bytes)
    }

    /// Serial bytes read as an unsigned number, without leading zeros: how two encodings of
    /// one serial are compared.
    static func magnitude(_ raw: some Collection<UInt8>) -> ArraySlice<UInt8> {
        let bytes = Array(raw)
        return bytes[(bytes.firstIndex { $0 != 0 } ?? bytes.count)...]
    }

    /// The parts of a certificate: what is signed, how, the signature and the raw serial.
    struct SignedParts {
        var tbs: [UInt8]
        var algorithm: ASN1ObjectIdentifier
        var signature: [UInt8]
        var serial: [UInt8]
    }

    static func parts(of der: [UInt8]) throws(IdentityError) -> SignedParts {
        do {
            let (tbs, algorithm, signature) = try outer(DER.parse(der))
            let (serialIndex, fields) = try tbsFields(tbs)
            let oid = try DER.sequence(algorithm, identifier: .sequence) { nodes in
                let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
                while nodes.next() != nil {}
                return oid
            }
            let bits = try ASN1BitString(derEncoded: signature)
            return SignedParts(tbs: Array(tbs.encodedBytes), algorithm: oid, signature: Array(bits.bytes), serial: try rawInteger(fields[serialIndex]))
        } catch let e as IdentityError {
            throw e
        } catch {
            throw .malformed("certificate: \(error)")
        }
    }

    /// `der` with a canonical positive serial, or `der` itself when it already has one.
    static func canonical(_ der: [UInt8]) throws(IdentityError) -> [UInt8] {
        do {
            let root = try DER.parse(der)
            let (tbs, algorithm, signature) = try outer(root)
            let (serialIndex, fields) = try tbsFields(tbs)
            let raw = try rawInteger(fields[serialIndex])
            var fixed = Array(magnitude(raw))
            if fixed.isEmpty || fixed[0] & 0x80 != 0 { fixed.insert(0, at: 0) }
            if fixed == raw { return der }
            var tbsContent: [UInt8] = []
            for (i, f) in fields.enumerated() {
                tbsContent += i == serialIndex ? tlv(0x02, fixed) : Array(f.encodedBytes)
            }
            let newTBS = tlv(0x30, tbsContent)
            return tlv(0x30, newTBS + Array(algorithm.encodedBytes) + Array(signature.encodedBytes))
        } catch let e as IdentityError {
            throw e
        } catch {
            throw .malformed("certificate: \(error)")
        }
    }

    private static func outer(_ root: ASN1Node) throws(IdentityError) -> (ASN1Node, ASN1Node, ASN1Node) {
        guard root.identifier == .sequence, case .constructed(let children) = root.content else { throw .malformed("certificate is not a SEQUENCE") }
        let c = Array(children)
        guard c.count == 3 else { throw .malformed("certificate needs 3 parts") }
        return (c[0], c[1], c[2])
    }

    /// The TBS fields and where the serial sits (after the optional `[0]` version).
    private static func tbsFields(_ tbs: ASN1Node) throws(IdentityError) -> (serialIndex: Int, fields: [ASN1Node]) {
        guard tbs.identifier == .sequence, case .constructed(let children) = tbs.content else { throw .malformed("certificate body") }
        let fields = Array(children)
        let serialIndex = fields.first?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) ? 1 : 0
        guard fields.count > serialIndex else { throw .malformed("certificate body has no serial") }
        return (serialIndex, fields)
    }

    /// A definite-length DER TLV with a one-byte tag.
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out = [tag]
        let n = content.count
        if n < 0x80 {
            out.append(UInt8(n))
        } else {
            var len: [UInt8] = []
            var m = n
            while m > 0 { len.insert(UInt8(m & 0xff), at: 0); m >>= 8 }
            out.append(0x80 | UInt8(len.count))
            out += len
        }
        return out + content
    }
}
