import Contacts
import DaemonWire
import DHT
import FileTransfer
import Foundation
import Identity
import Logging
import Scheduling
import SecureDHT
import Swarm
import SwarmIndex

/// One account on this device: the composition root of its services. Offline it is its
/// ``ContactBook`` over the database; ``start()`` adds a DHT node (from its ``DHTNodeFactory``)
/// with this device's identity and the services that use it:
///
/// - ``Publisher``: our chain, device announcement and revocation list;
/// - ``DeviceDirectory``: announcements → validated devices (chain + CRL);
/// - ``Presence``: follows contacts' announcements, and ours;
/// - ``RequestDelivery``: our requests and answers, sealed per device, retried;
/// - ``Inbox``: what arrives for this device, verified, routed by kind.
///
/// docs/architecture.md draws the graph. The services come next (connections, conversations,
/// transfers, own-device sync) plug in here the same way: built over the node and the
/// context, wired to the others by the handlers given at construction.
public actor AccountRuntime {
    public nonisolated let id: PublicKeyID
    public nonisolated let device: DeviceIdentity
    public nonisolated let database: AccountDatabase
    /// Contacts and requests; usable offline.
    public nonisolated let contacts: ContactBook
    nonisolated let context: AccountContext
    let announcement: Value
    let revocationList: RevocationList?
    let settings: RuntimeSettings
    let nodes: any DHTNodeFactory
    /// Where the account's conversations live (nil: no conversations, as in the simulation).
    let conversationsFolder: URL?

    public private(set) var state: RegistrationState = .unregistered
    /// Conversations whose invitation we declined in this run: an inviter sends it again for
    /// a while (it cannot know it arrived), which must not bring it back.
    var declinedConversations: Set<ObjectID> = []
    private(set) var online: Online?

    /// The services that exist while the account is online.
    struct Online {
        var node: SecureDHTNode
        var directory: DeviceDirectory
        var presence: Presence
        var delivery: RequestDelivery
        var inbox: Inbox
        var connections: Connections?
        /// Conversations, served and fetched over the peer sockets (nil without them).
        var swarm: SwarmService?
        /// Instant messages over `sip` channels (nil without connections).
        var sip: SIPChannels?
        /// Files of the conversations (nil without them).
        var transfers: TransferService?
        /// Profiles pushed and received (nil without conversations).
        var profiles: ProfileService?
        /// Sync with the other devices of the account (nil without conversations).
        var sync: DeviceSyncService?
        var joining: Task<Void, Never>?
    }

    /// What the runtime needs from the daemon's configuration.
    public struct RuntimeSettings: Sendable {
        public var bootstrap: [PeerAddress]
        public var pendingRequestLimit: Int
        public var lifetimeOverrides: [UInt16: Int64]
        /// When undelivered requests are put again.
        public var delivery = DeliverySchedule()
        /// Peer connections; nil (the simulation) leaves connection requests unanswered.
        public var connections: Connections.Settings?
        /// File transfers (with conversations only).
        public var transfers = TransferService.Settings()

        public init(bootstrap: [PeerAddress], pendingRequestLimit: Int, lifetimeOverrides: [UInt16: Int64] = [:]) {
            self.bootstrap = bootstrap
            self.pendingRequestLimit = pendingRequestLimit
            self.lifetimeOverrides = lifetimeOverrides
        }
    }

    /// The wire type itself: the API shows the state as it is.
    public typealias RegistrationState = API.RegistrationState

    public init(device: DeviceIdentity, accountID: PublicKeyID, announcement: Value, revocationList: RevocationList?, database: AccountDatabase,
                settings: RuntimeSettings, events: EventHub, logger: Logger, scheduler: Scheduler = .system, nodes: any DHTNodeFactory,
                conversationsFolder: URL? = nil) {
        id = accountID
        self.device = device
        self.announcement = announcement
        self.revocationList = revocationList
        self.database = database
        self.settings = settings
        self.nodes = nodes
        self.conversationsFolder = conversationsFolder
        context = AccountContext(account: accountID, device: device, database: database, scheduler: scheduler, events: events, logger: logger)
        contacts = ContactBook(context: context, pendingRequestLimit: settings.pendingRequestLimit)
    }

    /// Starts the DHT node and everything an online Jami device does. Returns once the node is
    /// bound; joining the network continues in the background (state `trying`, then `registered`).
    public func start() async throws(DaemonError) {
        guard online == nil else { return }
        let saved = savedNodeAddress()
        var config = DHTConfig()
        config.lifetimeOverrides = settings.lifetimeOverrides
        config.nodeId = saved.id
        SecureDHTNode.enforcePolicies(on: &config)
        let dht: any DHTNodeProtocol
        do {
            dht = try await nodes.startNode(config, preferredPort: saved.port, logger: context.logger)
        } catch {
            setState(.error, detail: "\(error)")
            throw .network("cannot start the DHT node: \(error)")
        }
        guard online == nil else {  // started meanwhile (the actor is reentrant)
            await dht.shutdown()
            return
        }
        saveNodeAddress(id: saved.id, port: Int(dht.localAddress.port))
        var services = makeServices(on: SecureDHTNode(node: dht, identity: device, logger: context.logger))
        await contacts.attach(ContactBook.OnlineServices(presence: services.presence, delivery: services.delivery))
        setState(.trying)
        services.joining = context.scheduler.spawn { [weak self] in await self?.join() }
        online = services
    }

    private func makeServices(on node: SecureDHTNode) -> Online {
        let directory = DeviceDirectory(context: context, node: node)
        let delivery = RequestDelivery(context: context, node: node, directory: directory, schedule: settings.delivery,
                                       pendingRequest: { [contacts] peer throws(DaemonError) in try contacts.pendingRequest(for: peer) })
        let presence = Presence(context: context, node: node) { [weak self] account, device, isNew in
            await self?.announced(device, of: account, isNew: isNew)
        }
        let inbox = Inbox(context: context, node: node, directory: directory) { [weak self] delivery in await self?.received(delivery) }
        var connections: Connections?
        if let peers = settings.connections {
            do {
                connections = try Connections(context: context, node: node, directory: directory, settings: peers,
                                              isAllowed: { [database, id] account, incoming in
                                                  Self.mayConnect(account, incoming: incoming, own: id, database: database, strangers: peers.allowNonContacts)
                                              })
            } catch {
                context.logger.error("peer connections are off", metadata: ["reason": "\(error)"])
            }
        }
        var swarm: SwarmService?
        var sip: SIPChannels?
        if let connections {
            let service = SIPChannels(context: context, connections: connections) { [weak self] message, account, device in
                await self?.receivedMessage(message, from: account, device: device)
            }
            connections.register(prefix: SIPChannels.channelName) { channel, peer in await service.serve(channel, from: peer) }
            sip = service
        }
        if let connections, let conversationsFolder {
            do {
                let index = conversationsFolder.deletingLastPathComponent().appendingPathComponent(MessageIndex.fileName)
                let service = try SwarmService(context: context, folder: conversationsFolder, index: index, displayName: nil)
                connections.register(prefix: SwarmService.channelPrefix) { channel, peer in await service.serve(channel, from: peer) }
                context.scheduler.spawn { await service.catchUp() }
                swarm = service
            } catch {
                context.logger.error("conversations are off", metadata: ["reason": "\(error)"])
            }
        }
        var transfers: TransferService?
        var profiles: ProfileService?
        var sync: DeviceSyncService?
        if let connections, let swarm, let conversationsFolder {
            let data = conversationsFolder.deletingLastPathComponent().appendingPathComponent("conversation_data")
            let service = TransferService(context: context, folder: data, swarm: swarm, settings: settings.transfers,
                                          connect: { device throws(DaemonError) in try await connections.connect(device, now: true) },
                                          isConnected: { device in await connections.openSocket(device) != nil })
            let profileService = ProfileService(context: context, contacts: contacts, swarm: swarm, connections: connections)
            connections.register(prefix: TransferRequest.prefix) { channel, peer in
                if ProfileService.isProfileChannel(channel.name) {
                    await profileService.serve(channel, from: peer)
                } else {
                    await service.serve(channel, from: peer)
                }
            }
            profiles = profileService
            let syncService = DeviceSyncService(context: context, contacts: contacts, swarm: swarm, connections: connections) { [weak self] conversation, device in
                do { _ = try await self?.fetchConversation(conversation, from: device) } catch {
                    self?.context.logger.warning("cloning a synced conversation failed", metadata: ["conversation": "\(conversation)", "reason": "\(error)"])
                }
            }
            connections.register(prefix: DeviceSyncService.channelPrefix) { channel, peer in await syncService.serve(channel, from: peer) }
            let scheduler = context.scheduler
            context.taps.add { e in
                guard DeviceSyncService.syncedKinds.contains(e.type) else { return }
                scheduler.spawn { await syncService.changed() }
            }
            sync = syncService
            scheduler.spawn {
                await swarm.onFileOffered { conversation, commit, offer in
                    scheduler.spawn { await service.offered(commit, in: conversation, offer) }
                }
            }
            transfers = service
        }
        return Online(node: node, directory: directory, presence: presence, delivery: delivery, inbox: inbox, connections: connections,
                      swarm: swarm, sip: sip, transfers: transfers, profiles: profiles, sync: sync)
    }

    /// Once a node answers: listens first (they need nothing published, and each waits for a
    /// lookup), our values published beside them; requests go out once we are announced.
    private func join() async {
        guard let o = online else { return }
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                try await o.node.bootstrap(settings.bootstrap, timeout: .seconds(10))
                break
            } catch {
                context.logger.warning("no bootstrap node answered; retrying", metadata: ["in": "\(delay)"])
                guard (try? await context.scheduler.sleep(for: delay)) != nil else { return }
                delay = min(delay * 2, .seconds(60))
            }
        }
        guard !Task.isCancelled else { return }
        await o.inbox.start()
        await o.presence.follow(id)
        for peer in await contacts.activeContacts() { await o.presence.follow(peer) }
        let publisher = Publisher(context: context, node: o.node, announcement: announcement, revocationList: revocationList)
        var storedOn = 0
        do { storedOn = try await publisher.publish() } catch {
            context.logger.error("publishing failed", metadata: ["error": "\(error)"])
        }
        // A node that has just joined may know only its bootstrap, and our certificate and
        // announcement then sit on that one node, where the lookups of others may not go (the
        // node re-announces them only before they expire): published again (5 and 20 s later)
        // when the routing table has since grown past the nodes that stored them. In a network
        // that small (a few nodes, all of which have them) nothing is put again.
        if storedOn < 3 {
            let scheduler = context.scheduler, logger = context.logger, node = o.node
            scheduler.spawn {
                var stored = storedOn
                for delay in [5, 20] {
                    guard (try? await scheduler.sleep(for: .seconds(delay))) != nil else { return }
                    let known = ((try? await node.statistics()).map { $0.goodNodes4 + $0.goodNodes6 }) ?? 0
                    guard known > stored + 1 else { continue }
                    do { stored = try await publisher.publish() } catch {
                        logger.info("publishing again failed", metadata: ["error": "\(error)"])
                    }
                    if stored >= 3 { return }
                }
            }
        }
        guard !Task.isCancelled else { return }
        setState(.registered)
        await o.delivery.start(seen: await o.presence.announced())
        context.scheduler.spawn { [weak self] in await self?.syncConversations() }
        if let transfers = o.transfers { context.scheduler.spawn { await transfers.resumeInterrupted() } }
    }

    /// Stops the services and closes the node. Values already stored on other nodes expire by
    /// themselves (10 minutes for the announcement).
    public func stop() async {
        guard let o = online else { return }
        online = nil
        o.joining?.cancel()
        await contacts.attach(nil)
        await o.presence.stop()
        await o.delivery.stop()
        await o.inbox.stop()
        // Downloads end before their sockets do, so none writes to its part file after we stop
        // (what arrived is flushed; the next start resumes from it).
        await o.transfers?.stopAll()
        await o.connections?.stop()
        await o.node.shutdown()
        setState(.unregistered)
    }

    func setState(_ new: RegistrationState, detail: String? = nil) {
        guard new != state || detail != nil else { return }
        state = new
        context.emit(.registration) { e in
            e.state = new.rawValue
            e.detail = detail
        }
    }

    /// The devices of this account seen so far, with when each was last seen (seconds).
    public nonisolated func knownDevices() throws(DaemonError) -> [(PublicKeyID, Int64)] {
        try database.devices(of: id)
    }

    /// Node figures for `GET /v1/accounts/{id}`.
    public func nodeSummary() async -> (port: Int?, nodes: Int) {
        guard let node = online?.node else { return (nil, 0) }
        let stats = try? await node.statistics()
        return (Int(node.localAddress.port), (stats?.goodNodes4 ?? 0) + (stats?.goodNodes6 ?? 0))
    }
}
