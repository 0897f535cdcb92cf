import Dispatch
import FoundationEssentials
import X509

/// A device's own identity: its RSA key and its chain (device → account → CA).
public struct DeviceIdentity: Sendable {
    public var key: RSAPrivateKey
    public var chain: CertificateChain

    public init(key: RSAPrivateKey, chain: CertificateChain) {
        self.key = key
        self.chain = chain
    }

    public var certificate: Certificate { chain.leaf }
    /// SHA-1 of the device key's SPKI (the "dev" of announcements).
    public var shortID: PublicKeyID { key.publicKey.id }
    /// SHA-256 of the device key's SPKI (swarm files, channel names).
    public var longID: DeviceLongID { key.publicKey.longId }

    /// A new device key and a certificate the account key issues from the device's PKCS#10 request.
    public static func create(for archive: AccountArchive, bits: Int = 4096, now: Date = Date()) throws(IdentityError) -> DeviceIdentity {
        let key = try RSAPrivateKey.generate(bits: bits)
        return try issue(key: key, for: archive, now: now)
    }

    /// ``create(for:bits:now:)`` with the key made on a thread of its own (see
    /// ``AccountFactory``), for callers on Swift's cooperative pool.
    public static func createOnOwnThread(for archive: AccountArchive, bits: Int = 4096, now: Date = Date()) async throws(IdentityError) -> DeviceIdentity {
        let key = try await AccountFactory.generateKeys(count: 1, bits: bits)[0]
        return try issue(key: key, for: archive, now: now)
    }

    static func issue(key: RSAPrivateKey, for archive: AccountArchive, now: Date) throws(IdentityError) -> DeviceIdentity {
        let request = try JamiCertificates.deviceRequest(key: key)
        let cert = try JamiCertificates.issueDevice(from: request, issuer: archive.accountCertificate, issuerKey: archive.accountKey, now: now)
        return DeviceIdentity(key: key, chain: CertificateChain([cert]) + archive.accountChain)
    }
}

/// Creating a whole Jami account: three RSA keys (CA, account, device), made concurrently since
/// they dominate the cost, then the three certificates.
public enum AccountFactory {
    public static func create(bits: Int = 4096, now: Date = Date()) async throws(IdentityError) -> (archive: AccountArchive, device: DeviceIdentity) {
        let keys = try await generateKeys(count: 3, bits: bits)
        let (caKey, accountKey, device) = (keys[0], keys[1], keys[2])
        let caCert = try JamiCertificates.selfSignedCA(key: caKey, now: now)
        let accountCert = try JamiCertificates.intermediateCA(key: accountKey.publicKey, issuer: caCert, issuerKey: caKey, now: now)
        var eth = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in eth.indices { eth[i] = rng.next() }
        let archive = AccountArchive(caKey: caKey, accountKey: accountKey, accountChain: CertificateChain([accountCert, caCert]), ethKey: eth)
        return (archive, try DeviceIdentity.issue(key: device, for: archive, now: now))
    }
}

extension AccountFactory {
    /// `count` RSA keys, each on a thread of its own: about a second of CPU each, which must not hold
    /// threads of Swift's cooperative pool (as wide as the core count) that the rest of the
    /// process needs meanwhile. The scheduler shares the cores among the keys, so the wall time
    /// is about their total work divided by the cores.
    static func generateKeys(count: Int, bits: Int) async throws(IdentityError) -> [RSAPrivateKey] {
        let results = await withTaskGroup(of: (Int, Result<RSAPrivateKey, IdentityError>).self) { group in
            for i in 0..<count {
                group.addTask { (i, await onOwnThread { () throws(IdentityError) in try RSAPrivateKey.generate(bits: bits) }) }
            }
            var out = [Result<RSAPrivateKey, IdentityError>?](repeating: nil, count: count)
            for await (i, r) in group { out[i] = r }
            return out
        }
        var keys: [RSAPrivateKey] = []
        for r in results {
            guard let r else { throw .unsupportedKey("key generation did not finish") }
            keys.append(try r.get())
        }
        return keys
    }

    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws(IdentityError) -> T) async -> Result<T, IdentityError> {
        do { return .success(try await Blocking.run(work)) } catch { return .failure(error) }
    }
}
