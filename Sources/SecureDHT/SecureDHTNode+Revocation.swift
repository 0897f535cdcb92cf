import DHT
import Identity
import MessagePack
import X509

extension SecureDHTNode {
    /// Publishes an account's revocation list where Jami devices look for it: at the account id,
    /// as a type-0 value whose data is msgpack `bin(DER CRL)`, permanent while we run.
    @discardableResult
    public func publishRevocationList(_ crl: RevocationList, account: PublicKeyID, id: UInt64 = .random(in: 1...UInt64.max)) async throws -> Int {
        var w = MessagePackWriter(capacity: crl.derBytes.count + 5)
        w.writeBinary(crl.derBytes)
        let value = Value(id: id, type: ValueType.userData.id, data: w.bytes)
        return try await node.put(InfoHash(account), value, permanent: true)
    }

    /// The revocation lists published at an account's id and signed by its certificate. Other
    /// values under that key (device announcements) and lists signed by anyone else are skipped.
    public func revocationLists(for account: Certificate) async throws -> [RevocationList] {
        Self.revocationLists(in: try await get(InfoHash(account.keyID), query: Query(where: [.valueType(ValueType.userData.id)])), signedBy: account)
    }

    /// The revocation lists among `values` read at an account's key that `account` signed.
    public static func revocationLists(in values: [Value], signedBy account: Certificate) -> [RevocationList] {
        var lists: [RevocationList] = []
        for v in values {
            var r = MessagePackReader(v.data, limits: .dht)
            guard let der = try? r.readBinary(), r.isAtEnd, let crl = try? RevocationList(derEncoded: der), crl.isSigned(by: account),
                  !lists.contains(crl)
            else { continue }
            lists.append(crl)
        }
        return lists
    }
}
