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

    init(of commit: GitCommit, tree: ObjectID, in git: GitRepository) throws(SwarmError) {
        let id = commit.id.hex
        let device = commit.authorEmail
        guard ConversationLayout.isDeviceID(Substring(device)) else { throw .invalidCommit(id, "the author is not a device id: \(device.prefix(80))") }
        guard let pem = try git.file(ConversationLayout.device(device), in: tree, limit: 64 << 10) else {
            throw .invalidCommit(id, "no certificate for its device \(device.prefix(12)) at this commit")
        }
        let deviceChain: CertificateChain
        do { deviceChain = try CertificateChain(pemOrDER: pem) } catch { throw .invalidCommit(id, "its device certificate does not parse") }
        let certificate = deviceChain.leaf
        guard DeviceLongID(spki: certificate.spkiDER).hex == device else { throw .invalidCommit(id, "the device certificate is not the author's") }
        guard let account = certificate.issuerUID, ConversationLayout.isAccountID(Substring(account)) else {
            throw .invalidCommit(id, "the device certificate names no issuing account")
        }
        let asAdmin = try git.file(ConversationLayout.admin(account), in: tree, limit: 64 << 10)
        let asMember = asAdmin == nil ? try git.file(ConversationLayout.member(account), in: tree, limit: 64 << 10) : nil
        guard let accountPEM = asAdmin ?? asMember else {
            throw .invalidCommit(id, "its account \(account.prefix(12)) is not a member at this commit")
        }
        let chain: CertificateChain
        do { chain = try CertificateChain(pemOrDER: accountPEM) } catch { throw .invalidCommit(id, "the account certificate does not parse") }
        guard chain.leaf.keyID.hex == account else { throw .invalidCommit(id, "the account certificate is not \(account.prefix(12))'s") }
        do {
            // Valid at the commit's time, but a commit dated before a certificate's start is
            // only a clock behind: the start is not held against it, expiry is.
            let full = try CertificateChain(derEncodings: [deviceChain.encodings[0]] + chain.encodings)
            let at = max(Date(timeIntervalSince1970: TimeInterval(commit.time)), full.certificates.map(\.notValidBefore).max()!)
            try ChainVerifier(now: at).verifyLinks(full)
        } catch {
            throw .invalidCommit(id, "the author's certificates: \(error)")
        }
        guard let key = certificate.rsaPublicKey else { throw .invalidCommit(id, "the device key is not RSA") }
        self.device = device
        self.account = account
        self.key = key
        self.isAdmin = asAdmin != nil
    }

    /// The `signature` header must be there and verify with the device key.
    func checkSignature(of commit: GitCommit, in git: GitRepository) throws(SwarmError) {
        guard let (text, signed) = try git.signature(of: commit.id) else { throw .invalidCommit(commit.id.hex, "unsigned") }
        guard let signature = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              key.isValidSignature(signature, for: signed) else {
            throw .invalidCommit(commit.id.hex, "its signature does not verify with the author's device key")
        }
    }
}
