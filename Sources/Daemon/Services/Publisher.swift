import DaemonWire
import DHT
import Identity
import SecureDHT

/// What a Jami device publishes about itself: its certificate chain (at its key id), its
/// device announcement signed by the account (at the account id) and the account's revocation
/// list. All permanent puts: the DHT node re-announces them before they expire, for as long as
/// it runs, so publishing once per session is enough.
public struct Publisher: Sendable {
    let context: AccountContext
    let node: SecureDHTNode
    /// The signed announcement (``AnnouncementFile``).
    let announcement: Value
    let revocationList: RevocationList?

    public init(context: AccountContext, node: SecureDHTNode, announcement: Value, revocationList: RevocationList?) {
        self.context = context
        self.node = node
        self.announcement = announcement
        self.revocationList = revocationList
    }

    /// Puts everything at once; throws the first failure (the others still went out). Returns
    /// on how many nodes the certificate and the announcement were both stored (the fewer).
    @discardableResult
    public func publish() async throws(DaemonError) -> Int {
        let (node, announcement, revocationList, account, crlID) = (node, announcement, revocationList, context.account, context.scheduler.randomID())
        async let certificate = node.publishCertificate()
        async let announced = node.put(InfoHash(account), announcement, permanent: true)
        async let revocation = { () async throws -> Int in
            guard let revocationList else { return 0 }
            return try await node.publishRevocationList(revocationList, account: account, id: crlID)
        }()
        do {
            let stored = try await (certificate, announced, revocation)
            context.logger.info("device announced", metadata: ["device": "\(context.device.shortID)", "certificateOn": "\(stored.0)",
                                                              "announcementOn": "\(stored.1)", "revocationListOn": "\(stored.2)"])
            return min(stored.0, stored.1)
        } catch {
            throw .network("publishing our device: \(error)")
        }
    }
}
