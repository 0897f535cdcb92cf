import Contacts
import DaemonWire
import DHT
import DHTTransport
import Foundation
import Identity
import Logging
import SecureDHT

/// One account online: its DHT node (with this device's identity), the values Jami devices publish
/// (certificate chain, signed device announcement, revocation list), its inbox, and the presence
/// of its contacts. State lives in ``AccountDatabase``; events go to the ``EventHub``.
///
/// All RSA work (decrypting inbox values, verifying chains) runs on this actor, never on the
/// DHT's event loop.
public actor AccountRuntime {
    public nonisolated let id: PublicKeyID
    public nonisolated let device: DeviceIdentity
    public nonisolated let database: AccountDatabase
    let announcement: Value
    let revocationList: RevocationList?
    let settings: RuntimeSettings
    let events: EventHub
    let logger: Logger

    var node: SecureDHTNode?
    public private(set) var state: RegistrationState = .unregistered
    var tasks: [Task<Void, Never>] = []
    /// Announcement ids seen per watched account (contacts and our own), for presence.
    var watched: [PublicKeyID: Watch] = [:]
    /// Revocation lists per account, with when they were fetched.
    var revocationCache: [PublicKeyID: (lists: [RevocationList], at: ContinuousClock.Instant)] = [:]
    /// Devices our pending request is being sealed or sent to, this session.
    var requestSentTo: [PublicKeyID: Set<PublicKeyID>] = [:]
    /// Our requests being delivered, per device (see AccountRuntime+Delivery.swift), and the
    /// timer of their next puts.
    var outgoing: [OutgoingKey: AccountDatabase.OutgoingRequest] = [:]
    var retryTimer: Task<Void, Never>?
    /// Lookups of a device's certificate that found nothing, per device, for the next one's delay.
    var validationAttempts: [OutgoingKey: Int] = [:]

    struct Watch {
        var task: Task<Void, Never>
        var announcements: [UInt64: DeviceAnnouncement] = [:]
    }

    /// What the runtime needs from the daemon's configuration.
    public struct RuntimeSettings: Sendable {
        public var dhtHost: String
        public var dhtPort: Int
        public var bootstrap: [PeerAddress]
        public var pendingRequestLimit: Int
        public var lifetimeOverrides: [UInt16: Int64]
        /// When undelivered requests are put again.
        public var delivery = DeliverySchedule()
    }

    /// The wire type itself: the API shows the state as it is.
    public typealias RegistrationState = API.RegistrationState

    init(device: DeviceIdentity, accountID: PublicKeyID, announcement: Value, revocationList: RevocationList?, database: AccountDatabase,
         settings: RuntimeSettings, events: EventHub, logger: Logger) {
        id = accountID
        self.device = device
        self.announcement = announcement
        self.revocationList = revocationList
        self.database = database
        self.settings = settings
        self.events = events
        var logger = logger
        logger[metadataKey: "account"] = "\(accountID.hex.prefix(8))"
        self.logger = logger
    }

    /// Starts the DHT node and everything an online Jami device does. Returns once the node is
    /// bound; joining the network continues in the background (state `trying`, then `registered`).
    public func start() async throws(DaemonError) {
        guard node == nil else { return }
        let saved = savedNodeAddress()
        var configuration = DHTNode.Configuration(bindHost: settings.dhtHost, port: settings.dhtPort)
        configuration.logger = logger
        configuration.dht.lifetimeOverrides = settings.lifetimeOverrides
        configuration.dht.nodeId = saved.id
        if settings.dhtPort == 0, let port = saved.port { configuration.port = port }
        let started: SecureDHTNode
        do {
            started = try await Self.startNode(configuration, device: device, fallbackPort: settings.dhtPort, logger: logger)
        } catch {
            setState(.error, detail: "\(error)")
            throw .network("cannot start the DHT node: \(error)")
        }
        node = started
        saveNodeAddress(id: saved.id, port: Int(started.node.localAddress.port))
        setState(.trying)
        tasks.append(Task { await self.join() })
    }

    /// Starts the node; if the port of our last run was taken between the check and the bind,
    /// on `fallbackPort` (the configured one, 0 for any).
    private static func startNode(_ configuration: DHTNode.Configuration, device: DeviceIdentity, fallbackPort: Int,
                                  logger: Logger) async throws -> SecureDHTNode {
        do {
            return try await SecureDHTNode.start(configuration, identity: device)
        } catch where configuration.port != fallbackPort {
            logger.info("the DHT port of the last run is taken; using another", metadata: ["port": "\(configuration.port)"])
            var again = configuration
            again.port = fallbackPort
            return try await SecureDHTNode.start(again, identity: device)
        }
    }

    /// Once a node answers: listens first (they need nothing published, and each waits for a
    /// lookup), our values published at once beside them; requests go out once we are announced.
    private func join() async {
        guard let node else { return }
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                try await node.node.bootstrap(settings.bootstrap, timeout: .seconds(10))
                break
            } catch {
                logger.warning("no bootstrap node answered; retrying", metadata: ["in": "\(delay)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(60))
            }
        }
        guard !Task.isCancelled else { return }
        listenInbox(on: node)
        watch(id)
        do {
            for (peer, contact, _) in try database.contacts() where contact.isActive { watch(peer) }
        } catch {
            logger.error("cannot read the contacts to follow", metadata: ["error": "\(error)"])
        }
        await publish(on: node)
        setState(.registered)
        resumeDeliveries()
        await deliverPendingRequests()
    }

    /// Permanent puts, all at once: the DHT re-announces them before they expire, for as long
    /// as we run.
    private func publish(on node: SecureDHTNode) async {
        let (announcement, revocationList, id) = (announcement, revocationList, id)
        async let certificate: Void = { _ = try await node.publishCertificate() }()
        async let announced: Void = { _ = try await node.node.put(InfoHash(id), announcement, permanent: true) }()
        async let revocation: Void = { if let revocationList { _ = try await node.publishRevocationList(revocationList, account: id) } }()
        do {
            _ = try await (certificate, announced, revocation)
            logger.info("device announced", metadata: ["device": "\(device.shortID)"])
        } catch {
            logger.error("publishing failed", metadata: ["error": "\(error)"])
        }
    }

    /// Stops listening and closes the node. Values already stored on other nodes expire by
    /// themselves (10 minutes for the announcement).
    public func stop() async {
        recordLastSeen()
        retryTimer?.cancel()
        retryTimer = nil
        for t in tasks { t.cancel() }
        for w in watched.values { w.task.cancel() }
        tasks = []
        watched = [:]
        if let node { await node.shutdown() }
        node = nil
        setState(.unregistered)
    }

    func setState(_ new: RegistrationState, detail: String? = nil) {
        guard new != state || detail != nil else { return }
        state = new
        var e = DaemonEvent(.registration, account: id.hex)
        e.state = new.rawValue
        e.detail = detail
        events.publish(e)
    }

    func emit(_ kind: DaemonEvent.Kind, peer: PublicKeyID? = nil, _ fill: (inout DaemonEvent) -> Void = { _ in }) {
        var e = DaemonEvent(kind, account: id.hex, peer: peer?.hex)
        fill(&e)
        events.publish(e)
    }

    func requireNode() throws(DaemonError) -> SecureDHTNode {
        guard let node else { throw .network("account \(id) is not online") }
        return node
    }

    /// Node statistics for `GET /v1/accounts/{id}`.
    public func nodeSummary() async -> (port: Int?, nodes: Int) {
        guard let node else { return (nil, 0) }
        let stats = try? await node.node.statistics()
        return (Int(node.node.localAddress.port), (stats?.goodNodes4 ?? 0) + (stats?.goodNodes6 ?? 0))
    }
}
