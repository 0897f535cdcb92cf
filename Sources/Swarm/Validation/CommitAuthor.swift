import Foundation
import Identity
import X509

/// The device and account behind a commit, as the repository says at one tree: the device
/// certificate `devices/<email>.crt`, whose key must hash to that id, issued by an account whose
/// certificate is in `admins/` or `members/`; both valid at the commit's time.
struct CommitAuthor {
    let device: String
    let account: String
    let key: RSAPublicKey
    let isAdmin: Bool

    init(of commit: GitCommit, tree: ObjectID, in git: GitRepository, cache: CertificateCache = CertificateCache()) throws(SwarmError) {
        let id = commit.id.hex
        let device = commit.authorEmail
        guard ConversationLayout.isDeviceID(Substring(device)) else { throw .invalidCommit(id, "the author is not a device id: \(device.prefix(80))") }
        guard let deviceBlob = try git.fileID(ConversationLayout.device(device), in: tree) else {
            throw .invalidCommit(id, "no certificate for its device \(device.prefix(12)) at this commit")
        }
        let known = try Self.device(deviceBlob, named: device, commit: id, in: git, cache: cache)
        let account = known.account
        let adminBlob = try git.fileID(ConversationLayout.admin(account), in: tree)
        var accountBlob = adminBlob
        if accountBlob == nil { accountBlob = try git.fileID(ConversationLayout.member(account), in: tree) }
        guard let accountBlob else { throw .invalidCommit(id, "its account \(account.prefix(12)) is not a member at this commit") }
        let key = CertificateCache.Pair.Key(device: deviceBlob, account: accountBlob)
        let result: Result<CertificateCache.Pair, SwarmError>
        if let cached = cache.pairs[key] {
            result = cached
        } else {
            do {
                result = .success(try Self.verifiedPair(known, accountBlob: accountBlob, account: account, commit: id, in: git, cache: cache))
            } catch {
                result = .failure(error)
            }
            cache.pairs[key] = result
        }
        let pair: CertificateCache.Pair
        switch result {
        case .success(let p): pair = p
        case .failure(let e): throw e
        }
        // Valid at the commit's time, but a commit dated before a certificate's start is only
        // a clock behind: the start is not held against it, expiry is.
        let at = max(Date(timeIntervalSince1970: TimeInterval(commit.time)), pair.start)
        guard at <= pair.end else { throw .invalidCommit(id, "the author's certificates had expired at the commit's time") }
        self.device = device
        self.account = account
        self.key = known.key
        self.isAdmin = adminBlob != nil
    }

    /// The device certificate in blob `blob`, parsed and checked once: its key hashes to the
    /// author id, and it names its issuing account.
    private static func device(_ blob: ObjectID, named device: String, commit id: String, in git: GitRepository,
                               cache: CertificateCache) throws(SwarmError) -> CertificateCache.Device {
        if let d = cache.devices[blob], d.longID == device { return d }
        guard let pem = try git.blob(blob, limit: 64 << 10) else { throw .invalidCommit(id, "no certificate for its device \(device.prefix(12)) at this commit") }
        let chain: CertificateChain
        do { chain = try CertificateChain(pemOrDER: pem) } catch { throw .invalidCommit(id, "its device certificate does not parse") }
        let certificate = chain.leaf
        guard DeviceLongID(spki: certificate.spkiDER).hex == device else { throw .invalidCommit(id, "the device certificate is not the author's") }
        guard let account = certificate.issuerUID, ConversationLayout.isAccountID(Substring(account)) else {
            throw .invalidCommit(id, "the device certificate names no issuing account")
        }
        guard let key = certificate.rsaPublicKey else { throw .invalidCommit(id, "the device key is not RSA") }
        let d = CertificateCache.Device(certificate: certificate, longID: device, der: chain.encodings[0], account: account, key: key)
        cache.devices[blob] = d
        return d
    }

    /// The device certificate chained to the account certificate in `accountBlob`: the account
    /// certificate is that account's, and every link verifies. Done once per pair.
    private static func verifiedPair(_ device: CertificateCache.Device, accountBlob: ObjectID, account: String, commit id: String,
                                     in git: GitRepository, cache: CertificateCache) throws(SwarmError) -> CertificateCache.Pair {
        let chain: CertificateChain
        if let c = cache.accounts[accountBlob] {
            chain = c
        } else {
            guard let pem = try git.blob(accountBlob, limit: 64 << 10) else { throw .invalidCommit(id, "the account certificate cannot be read") }
            do { chain = try CertificateChain(pemOrDER: pem) } catch { throw .invalidCommit(id, "the account certificate does not parse") }
            cache.accounts[accountBlob] = chain
        }
        guard chain.leaf.keyID.hex == account else { throw .invalidCommit(id, "the account certificate is not \(account.prefix(12))'s") }
        do {
            let full = try CertificateChain(derEncodings: [device.der] + chain.encodings)
            let start = full.certificates.map(\.notValidBefore).max()!
            let end = full.certificates.map(\.notValidAfter).min()!
            try ChainVerifier(now: max(start, min(end, Date()))).verifyLinks(full)
            return CertificateCache.Pair(start: start, end: end)
        } catch {
            throw .invalidCommit(id, "the author's certificates: \(error)")
        }
    }

    /// The `signature` header must be there and verify with the device key.
    func checkSignature(of commit: GitCommit, in git: GitRepository) throws(SwarmError) {
        guard let (text, signed) = try git.signature(of: commit.id) else { throw .invalidCommit(commit.id.hex, "unsigned") }
        // Base64, perhaps with white space around it (bytes, not String: this runs per commit).
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        let trimmed = text.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        guard let signature = Data(base64Encoded: Data(trimmed)),
              key.isValidSignature(signature, for: signed) else {
            throw .invalidCommit(commit.id.hex, "its signature does not verify with the author's device key")
        }
    }
}
