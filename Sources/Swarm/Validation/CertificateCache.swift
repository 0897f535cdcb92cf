import Foundation
import Identity
import X509

/// What one validation run already learned about the certificates in a history: the same
/// device and account certificates sign commit after commit, so each distinct file (by its
/// blob id, which is its content's hash) is parsed once and each device–account pair has its
/// chain verified once. Per commit what remains is a few tree lookups, the expiry check against
/// the commit's time, and the signature. Not shared between runs or threads.
final class CertificateCache {
    struct Device {
        let certificate: Certificate
        /// The long id its key hashes to (compared with each commit's author).
        let longID: String
        let der: [UInt8]
        let account: String
        let key: RSAPublicKey
    }

    struct Pair {
        /// The latest start of validity in the chain (a commit dated before it is only a clock behind).
        let start: Date
        /// The earliest end of validity in the chain.
        let end: Date
    }

    var devices: [ObjectID: Device] = [:]
    var accounts: [ObjectID: CertificateChain] = [:]
    var pairs: [Pair.Key: Result<Pair, SwarmError>] = [:]
}

extension CertificateCache.Pair {
    struct Key: Hashable {
        let device: ObjectID
        let account: ObjectID
    }
}
