import Contacts
import DHT
import Foundation
import Identity
import SecureDHT
import X509

extension AccountRuntime {
    /// How long a fetched revocation list is trusted before it is fetched again.
    static let revocationListMaxAge = Duration.seconds(300)

    /// The devices of `account` announced on the DHT now, each validated (Jami's `forEachDevice`):
    /// announcements signed by the account, then each device's certificate chain.
    /// Cost: one DHT get, then per new device one certificate lookup and a chain check.
    func devices(of account: PublicKeyID) async throws(DaemonError) -> [PublicKeyID] {
        let node = try requireNode()
        let values: [Value]
        do {
            values = try await node.get(InfoHash(account), query: Query(where: [.valueType(ValueType.userData.id)]))
        } catch {
            throw .network("looking up \(account): \(error)")
        }
        var found: [PublicKeyID] = []
        for v in values {
            guard let a = try? DeviceAnnouncement(value: v, account: account), !found.contains(a.device) else { continue }
            do {
                _ = try await validatedDevice(a.device, of: account)
                found.append(a.device)
            } catch {
                logger.info("skipping an announced device", metadata: ["peer": "\(account)", "device": "\(a.device)", "reason": "\(error)"])
            }
        }
        return found
    }

    /// Jami's `foundPeerDevice`: the chain published at `device` must verify up to its self-signed
    /// root, must not be a self-signed device, and must not be revoked by its account. Returns the
    /// account that issued it, which must be `expected` when given.
    @discardableResult
    func validatedDevice(_ device: PublicKeyID, of expected: PublicKeyID? = nil) async throws(DaemonError) -> PublicKeyID {
        let node = try requireNode()
        let chain: CertificateChain
        do {
            chain = try await node.findCertificate(InfoHash(device))
        } catch {
            throw .network("no certificate for device \(device): \(error)")
        }
        guard chain.certificates.count >= 2, chain.leaf.issuer != chain.leaf.subject else {
            throw .invalid("device \(device) has a self-signed certificate")
        }
        let account = chain.certificates[1].keyID
        if let expected, account != expected { throw .invalid("device \(device) belongs to \(account), not \(expected)") }
        do {
            try ChainVerifier(revocationLists: await revocationLists(for: chain.certificates[1])).verify(chain)
        } catch {
            throw .invalid("device \(device): \(error)")
        }
        try? database.saveDevice(account: account, device: device, chainPEM: chain.pem, seen: WallClock.unixSeconds)
        return account
    }

    private func revocationLists(for accountCertificate: Certificate) async -> [RevocationList] {
        let account = accountCertificate.keyID
        if let cached = revocationCache[account], ContinuousClock.now - cached.at < Self.revocationListMaxAge { return cached.lists }
        let lists = (try? await requireNode().revocationLists(for: accountCertificate)) ?? []
        if revocationCache.count > 4096 { revocationCache.removeAll() }
        revocationCache[account] = (lists, .now)
        return lists
    }

    /// The inbox of a device: `H("inbox:" + device short id hex)`.
    static func inbox(of device: PublicKeyID) -> InfoHash { .hashing(key: "inbox:" + device.hex) }

    /// Puts `request` encrypted to each of `devices` (one value per device, as Jami does).
    /// Returns the devices it reached.
    func send(_ request: TrustRequest, to devices: [PublicKeyID]) async -> [PublicKeyID] {
        guard let node else { return [] }
        var reached: [PublicKeyID] = []
        for device in devices {
            do {
                try await node.putEncrypted(Self.inbox(of: device), to: InfoHash(device), request.value())
                reached.append(device)
            } catch {
                logger.warning("could not send a trust request", metadata: ["device": "\(device)", "error": "\(error)"])
            }
        }
        return reached
    }
}
