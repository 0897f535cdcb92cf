import Foundation
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
        async let ca = Task.detached { try RSAPrivateKey.generate(bits: bits) }.result
        async let account = Task.detached { try RSAPrivateKey.generate(bits: bits) }.result
        let device = try RSAPrivateKey.generate(bits: bits)
        let caKey: RSAPrivateKey, accountKey: RSAPrivateKey
        do {
            caKey = try await ca.get()
            accountKey = try await account.get()
        } catch {
            throw (error as? IdentityError) ?? .unsupportedKey("\(error)")
        }
        let caCert = try JamiCertificates.selfSignedCA(key: caKey, now: now)
        let accountCert = try JamiCertificates.intermediateCA(key: accountKey.publicKey, issuer: caCert, issuerKey: caKey, now: now)
        var eth = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in eth.indices { eth[i] = rng.next() }
        let archive = AccountArchive(caKey: caKey, accountKey: accountKey, accountChain: CertificateChain([accountCert, caCert]), ethKey: eth)
        return (archive, try DeviceIdentity.issue(key: device, for: archive, now: now))
    }
}
