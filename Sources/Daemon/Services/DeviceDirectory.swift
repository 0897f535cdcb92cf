import DaemonWire
import Contacts
import DHT
import Identity
import SecureDHT
import X509

/// Which devices belong to which account (Jami's `forEachDevice` and `foundPeerDevice`): device
/// announcements read at an account's key become validated devices once each device's chain
/// checks out up to the account and no revocation list of the account revokes it. Revocation
/// lists are cached for ``revocationListMaxAge``; validated devices are stored.
///
/// Cost: one DHT get per account (which brings its revocation lists too), then per new device
/// one certificate lookup (cached by SecureDHT) and a chain check.
public actor DeviceDirectory {
    /// How long a fetched revocation list is trusted before it is fetched again (ms).
    static let revocationListMaxAge: Int64 = 300_000
    /// Accounts whose lists are cached, at most.
    static let maxCachedAccounts = 4096

    let context: AccountContext
    let node: SecureDHTNode
    private var revocationCache: [PublicKeyID: (lists: [RevocationList], at: Int64)] = [:]

    public init(context: AccountContext, node: SecureDHTNode) {
        self.context = context
        self.node = node
    }

    /// A device whose chain checked out, and the account it belongs to.
    public struct ValidatedDevice: Sendable {
        public var account: PublicKeyID
        public var device: PublicKeyID
        public var chain: CertificateChain
    }

    /// The devices of `account` announced on the DHT now, each validated.
    public func devices(of account: PublicKeyID) async throws(DaemonError) -> [DeviceAnnouncement] {
        let values = try await accountValues(account)
        var found: [DeviceAnnouncement] = []
        for v in values {
            guard let a = try? DeviceAnnouncement(value: v, account: account), !found.contains(where: { $0.device == a.device }) else { continue }
            do {
                _ = try await validate(a.device, of: account, accountValues: values)
                found.append(a)
            } catch {
                context.logger.info("skipping an announced device", metadata: ["peer": "\(account)", "device": "\(a.device)", "reason": "\(error)"])
            }
        }
        return found
    }

    /// The checked type-0 values at an account's key: its device announcements and revocation lists.
    private func accountValues(_ account: PublicKeyID) async throws(DaemonError) -> [Value] {
        do {
            return try await Self.accountValues(account, on: node)
        } catch {
            throw .network("looking up \(account): \(error)")
        }
    }

    private static func accountValues(_ account: PublicKeyID, on node: SecureDHTNode) async throws -> [Value] {
        try await node.get(InfoHash(account), query: Query(where: [.valueType(ValueType.userData.id)]))
    }

    /// Starts reading an account's key off this actor, so the get goes out at once even while
    /// the actor is busy checking signatures.
    private func prefetchAccountValues(_ account: PublicKeyID) -> Task<[Value]?, Never> {
        context.scheduler.spawn { [node] in try? await Self.accountValues(account, on: node) }
    }

    /// Jami's `foundPeerDevice`: the chain published at `device` must verify up to its
    /// self-signed root, must not be a self-signed device, and must not be revoked by its
    /// account. Returns the account that issued it, which must be `expected` when given.
    ///
    /// The account's revocation lists are fetched while the chain's signatures are checked, and
    /// with `expected` known, while the certificate itself is fetched; `accountValues` saves that
    /// get when the caller has just read the account's key. Without `record`, the caller stores
    /// the device (``record(_:)``) once it is done with the urgent part.
    @discardableResult
    public func validate(_ device: PublicKeyID, of expected: PublicKeyID? = nil, accountValues: [Value]? = nil,
                         record: Bool = true) async throws(DaemonError) -> ValidatedDevice {
        var lists = expected.flatMap(cachedRevocationLists)
        var prefetch = expected.flatMap { account in accountValues == nil && lists == nil ? prefetchAccountValues(account) : nil }
        defer { prefetch?.cancel() }
        let chain: CertificateChain
        do {
            chain = try await node.findCertificate(InfoHash(device))
        } catch {
            throw .network("no certificate for device \(device): \(error)")
        }
        guard chain.certificates.count >= 2, chain.leaf.issuer != chain.leaf.subject else {
            throw .invalid("device \(device) has a self-signed certificate")
        }
        let accountCertificate = chain.certificates[1]
        let account = accountCertificate.keyID
        if let expected, account != expected { throw .invalid("device \(device) belongs to \(account), not \(expected)") }
        if lists == nil { lists = cachedRevocationLists(account) }
        if lists == nil, accountValues == nil, prefetch == nil { prefetch = prefetchAccountValues(account) }
        do {
            try ChainVerifier().verifyLinks(chain)
            if lists == nil {
                var values = accountValues
                if values == nil, let prefetch { values = await prefetch.value }
                lists = remember(SecureDHTNode.revocationLists(in: values ?? [], signedBy: accountCertificate), of: account, complete: values != nil)
            }
            try ChainVerifier(revocationLists: lists ?? []).checkRevocation(chain)
        } catch {
            throw .invalid("device \(device): \(error)")
        }
        let validated = ValidatedDevice(account: account, device: device, chain: chain)
        if record { self.record(validated) }
        return validated
    }

    /// Stores (or refreshes) a validated device among the known ones.
    public func record(_ v: ValidatedDevice) {
        let (database, now) = (context.database, context.scheduler.unixSeconds)
        context.recording("a validated device") { () throws(DaemonError) in
            try database.saveDevice(account: v.account, device: v.device, chainPEM: v.chain.pem, seen: now)
        }
    }

    private func cachedRevocationLists(_ account: PublicKeyID) -> [RevocationList]? {
        guard let cached = revocationCache[account], context.scheduler.unixMilliseconds - cached.at < Self.revocationListMaxAge else { return nil }
        return cached.lists
    }

    /// Caches lists read at an account's key. A failed read is not cached, so the next check
    /// fetches again.
    private func remember(_ lists: [RevocationList], of account: PublicKeyID, complete: Bool) -> [RevocationList] {
        guard complete else { return lists }
        if revocationCache.count > Self.maxCachedAccounts { revocationCache.removeAll() }
        revocationCache[account] = (lists, context.scheduler.unixMilliseconds)
        return lists
    }

    /// The key to encrypt to: the announced one, else (old announcements carry none) the one in
    /// the device's certificate.
    static func encryptionKey(of device: DeviceAnnouncement, node: SecureDHTNode) async throws -> RSAPublicKey {
        if !device.devicePublicKey.isEmpty { return try RSAPublicKey(pemOrDER: device.devicePublicKey) }
        guard let key = try await node.findCertificate(InfoHash(device.device)).leaf.rsaPublicKey else { throw SecureDHTError.badOwnerKey }
        return key
    }

    /// The inbox of a device: `H("inbox:" + device short id hex)`.
    public static func inbox(of device: PublicKeyID) -> InfoHash { .hashing(key: "inbox:" + device.hex) }
}
