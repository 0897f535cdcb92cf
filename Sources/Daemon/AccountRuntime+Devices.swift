import Contacts
import DHT
import Identity
import SecureDHT
import X509

extension AccountRuntime {
    /// How long a fetched revocation list is trusted before it is fetched again.
    static let revocationListMaxAge = Duration.seconds(300)

    /// The devices of `account` announced on the DHT now, each validated (Jami's `forEachDevice`):
    /// announcements signed by the account, then each device's certificate chain.
    /// Cost: one DHT get (which also brings the account's revocation lists), then per new device
    /// one certificate lookup and a chain check.
    func devices(of account: PublicKeyID) async throws(DaemonError) -> [DeviceAnnouncement] {
        let values = try await accountValues(account)
        var found: [DeviceAnnouncement] = []
        for v in values {
            guard let a = try? DeviceAnnouncement(value: v, account: account), !found.contains(where: { $0.device == a.device }) else { continue }
            do {
                _ = try await validatedDevice(a.device, of: account, accountValues: values)
                found.append(a)
            } catch {
                logger.info("skipping an announced device", metadata: ["peer": "\(account)", "device": "\(a.device)", "reason": "\(error)"])
            }
        }
        return found
    }

    /// The checked type-0 values at an account's key: its device announcements and revocation lists.
    private func accountValues(_ account: PublicKeyID) async throws(DaemonError) -> [Value] {
        do {
            return try await Self.accountValues(account, on: requireNode())
        } catch {
            throw .network("looking up \(account): \(error)")
        }
    }

    private static func accountValues(_ account: PublicKeyID, on node: SecureDHTNode) async throws -> [Value] {
        try await node.get(InfoHash(account), query: Query(where: [.valueType(ValueType.userData.id)]))
    }

    /// Starts reading an account's key off this actor, so the get goes out at once even while
    /// the actor is busy checking signatures.
    private static func prefetchAccountValues(_ account: PublicKeyID, on node: SecureDHTNode) -> Task<[Value]?, Never> {
        Task.detached { try? await accountValues(account, on: node) }
    }

    /// Jami's `foundPeerDevice`: the chain published at `device` must verify up to its self-signed
    /// root, must not be a self-signed device, and must not be revoked by its account. Returns the
    /// account that issued it, which must be `expected` when given.
    ///
    /// The account's revocation lists are fetched while the chain's signatures are checked, and
    /// with `expected` known, while the certificate itself is fetched; `accountValues` saves that
    /// get when the caller has just read the account's key. Without `record`, the caller stores
    /// the device (``recordDevice(_:)``) once it is done with the urgent part.
    @discardableResult
    func validatedDevice(_ device: PublicKeyID, of expected: PublicKeyID? = nil, accountValues: [Value]? = nil,
                         record: Bool = true) async throws(DaemonError) -> ValidatedDevice {
        let node = try requireNode()
        var lists = expected.flatMap(cachedRevocationLists)
        var prefetch = expected.flatMap { account in
            accountValues == nil && lists == nil ? Self.prefetchAccountValues(account, on: node) : nil
        }
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
        if lists == nil, accountValues == nil, prefetch == nil { prefetch = Self.prefetchAccountValues(account, on: node) }
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
        if record { recordDevice(validated) }
        return validated
    }

    /// A device whose chain checked out, and the account it belongs to.
    struct ValidatedDevice {
        var account: PublicKeyID
        var device: PublicKeyID
        var chain: CertificateChain
    }

    /// Stores (or refreshes) a validated device among the known ones.
    func recordDevice(_ v: ValidatedDevice) {
        try? database.saveDevice(account: v.account, device: v.device, chainPEM: v.chain.pem, seen: WallClock.unixSeconds)
    }

    private func cachedRevocationLists(_ account: PublicKeyID) -> [RevocationList]? {
        guard let cached = revocationCache[account], ContinuousClock.now - cached.at < Self.revocationListMaxAge else { return nil }
        return cached.lists
    }

    /// Caches lists read at an account's key. A failed read is not cached, so the next check
    /// fetches again.
    private func remember(_ lists: [RevocationList], of account: PublicKeyID, complete: Bool) -> [RevocationList] {
        guard complete else { return lists }
        if revocationCache.count > 4096 { revocationCache.removeAll() }
        revocationCache[account] = (lists, .now)
        return lists
    }

    /// The inbox of a device: `H("inbox:" + device short id hex)`.
    static func inbox(of device: PublicKeyID) -> InfoHash { .hashing(key: "inbox:" + device.hex) }

    /// Puts `request` encrypted to each of `devices` (one value per device, as Jami does), all at
    /// once. Returns the devices it reached.
    func send(_ request: TrustRequest, to devices: [DeviceAnnouncement]) async -> [PublicKeyID] {
        guard let node else { return [] }
        let value = request.value()
        return await withTaskGroup(of: PublicKeyID?.self) { group in
            for device in devices {
                group.addTask { [logger] in
                    node.node.prepare(Self.inbox(of: device.device))
                    do {
                        let key = try await Self.encryptionKey(of: device, node: node)
                        try await node.node.put(Self.inbox(of: device.device), node.sealed(value, to: key))
                        return device.device
                    } catch {
                        logger.warning("could not send a trust request", metadata: ["device": "\(device.device)", "error": "\(error)"])
                        return nil
                    }
                }
            }
            var reached: [PublicKeyID] = []
            for await case let d? in group { reached.append(d) }
            return reached
        }
    }

    /// The key to encrypt to: the announced one, else (old announcements carry none) the one in
    /// the device's certificate.
    static func encryptionKey(of device: DeviceAnnouncement, node: SecureDHTNode) async throws -> RSAPublicKey {
        if !device.devicePublicKey.isEmpty { return try RSAPublicKey(pemOrDER: device.devicePublicKey) }
        guard let key = try await node.findCertificate(InfoHash(device.device)).leaf.rsaPublicKey else { throw SecureDHTError.badOwnerKey }
        return key
    }
}
