import Contacts
import DaemonWire
import DHT
import Foundation
import Identity
import Logging
import NameClient
import NameService
import SecureDHT
import TURN

/// The accounts this device runs, each online through its own ``AccountRuntime``; created,
/// imported and exported here so the API and the CLI share one path.
public actor Daemon {
    public nonisolated let home: DaemonHome
    public nonisolated let configuration: DaemonConfiguration
    public nonisolated let events = EventHub()
    let store: AccountStore
    let logger: Logger
    var runtimes: [PublicKeyID: AccountRuntime] = [:]
    /// Accounts whose folder is being written: the actor is reentrant while that runs elsewhere.
    var installing: Set<PublicKeyID> = []
    var bootstrap: [PeerAddress] = []
    /// RSA size for new keys; Jami uses 4096. Tests may lower it to save time.
    let keyBits: Int
    /// `configuration.nameServer`, checked once; a bad one fails each lookup with the reason.
    let nameServer: Result<ServerURL, DaemonError>

    public init(home: DaemonHome, configuration: DaemonConfiguration, logger: Logger, keyBits: Int = 4096) {
        self.home = home
        self.configuration = configuration
        self.logger = logger
        self.keyBits = keyBits
        store = AccountStore(root: home.accounts)
        do {
            nameServer = .success(try ServerURL(configuration.nameServer))
        } catch {
            nameServer = .failure(.invalid("nameServer in the configuration: \(error.reason)"))
        }
    }

    /// Brings every stored account online. An account that cannot start is reported (event and
    /// log) and skipped; the others run.
    public func start() async {
        store.removeAbandonedStaging()
        bootstrap = await BootstrapResolver.resolve(configuration.bootstrap, logger: logger)
        for id in store.accounts() {
            do {
                try await startAccount(id)
            } catch {
                logger.error("account not started", metadata: ["account": "\(id)", "error": "\(error)"])
                var e = DaemonEvent(.registration, account: id.hex)
                e.state = API.RegistrationState.error.rawValue
                e.detail = error.description
                events.publish(e)
            }
        }
    }

    public func stop() async {
        for r in runtimes.values { await r.stop() }
        runtimes = [:]
    }

    private func startAccount(_ id: PublicKeyID) async throws(DaemonError) {
        let folder = store.folder(id)
        let device: DeviceIdentity
        do { device = try store.device(id) } catch { throw DaemonError(error) }
        var announcement = try AnnouncementFile.load(from: folder)
        if announcement == nil, let archive = try? store.archive(id, password: nil) {
            // An account made before the daemon existed, without a password: sign it now.
            try AnnouncementFile.save(for: archive, device: device, in: folder)
            announcement = try AnnouncementFile.load(from: folder)
        }
        guard let announcement else {
            throw .invalid("account \(id) has no signed device announcement and its archive has a password: import it again with `rafiki account import`")
        }
        let database = try AccountDatabase(path: folder.appendingPathComponent(AccountDatabase.fileName).path)
        let runtime = AccountRuntime(
            device: device, accountID: id, announcement: announcement, revocationList: AnnouncementFile.revocationList(in: folder),
            database: database, settings: settings, events: events, logger: logger,
            nodes: UDPNodeFactory(host: configuration.dhtHost, port: configuration.dhtPort),
            conversationsFolder: folder.appendingPathComponent("conversations"))
        runtimes[id] = runtime
        try await runtime.start()
    }

    var settings: AccountRuntime.RuntimeSettings {
        var lifetimes: [UInt16: Int64] = [:]
        for (k, v) in configuration.dhtLifetimeOverrides ?? [:] { if let t = UInt16(k) { lifetimes[t] = v } }
        var settings = AccountRuntime.RuntimeSettings(bootstrap: bootstrap, pendingRequestLimit: configuration.pendingRequestLimit, lifetimeOverrides: lifetimes)
        var peers = Connections.Settings(addresses: configuration.peerAddresses)
        peers.allowNonContacts = configuration.peerConnectionsFromStrangers
        if let turn = configuration.turnServer {
            peers.turn = (turn, TURNCredentials(username: configuration.turnUsername, password: configuration.turnPassword))
        }
        settings.connections = peers
        settings.transfers.autoDownloadLimit = max(0, configuration.autoDownloadLimit)
        settings.transfers.idleTimeout = .seconds(max(1, configuration.transferIdleTimeout))
        settings.transfers.uploadRateLimit = max(0, configuration.uploadRateLimit)
        return settings
    }

    public func runtime(_ id: String) throws(DaemonError) -> AccountRuntime {
        guard let key = PublicKeyID(hex: id), let r = runtimes[key] else { throw .noSuchAccount(id) }
        return r
    }

    public var accountIDs: [PublicKeyID] { runtimes.keys.sorted() }

    /// A new account (three RSA keys, made off the cooperative pool) with this device, online at
    /// once. The input is checked before any key is made, and a failure at any later step
    /// leaves no account behind (see ``install(_:device:input:)``).
    public func createAccount(password: String?, deviceName: String, displayName: String?) async throws(DaemonError) -> AccountRuntime {
        let input = try AccountInput(password: password, deviceName: deviceName, displayName: displayName)
        let made: (archive: AccountArchive, device: DeviceIdentity)
        do { made = try await AccountFactory.create(bits: keyBits) } catch { throw DaemonError(error) }
        return try await install(made.archive, device: made.device, input: input)
    }

    /// Imports an archive (Jami's or ours); this machine becomes a new device of the account.
    public func importAccount(archive bytes: [UInt8], password: String?, deviceName: String) async throws(DaemonError) -> AccountRuntime {
        let input = try AccountInput(password: password, deviceName: deviceName, displayName: nil)
        let archive: AccountArchive
        do {
            // Argon2 when the archive has a password: off the cooperative pool.
            archive = try await Blocking.run { [password = input.password] () throws(IdentityError) in
                let archive = try ArchiveFile.open(bytes, password: password)
                try ChainVerifier().verify(archive.accountChain)
                return archive
            }
        } catch { throw DaemonError(error) }
        if runtimes[archive.accountID] != nil { throw .invalid("account \(archive.accountID) is already on this device") }
        let device: DeviceIdentity
        do { device = try await DeviceIdentity.createOnOwnThread(for: archive, bits: keyBits) } catch { throw DaemonError(error) }
        return try await install(archive, device: device, input: input)
    }

    /// Writes the account's folder whole (``AccountStore/install(_:device:input:)``) and starts
    /// it. When it cannot start, a new account is removed again, so the caller's error is the
    /// only trace.
    func install(_ archive: AccountArchive, device: DeviceIdentity, input: AccountInput) async throws(DaemonError) -> AccountRuntime {
        let id = archive.accountID
        // Checked again after the key was made: another import of it may have finished meanwhile.
        guard runtimes[id] == nil, !installing.contains(id) else { throw .invalid("account \(id) is already on this device") }
        installing.insert(id)
        defer { installing.remove(id) }
        // Argon2 and fsyncs: off the cooperative pool.
        let isNew = try await Blocking.run { [store] () throws(DaemonError) in try store.install(archive, device: device, input: input) }
        do {
            try await startAccount(id)
            return try runtime(id.hex)
        } catch {
            await runtimes.removeValue(forKey: id)?.stop()
            if isNew { store.remove(id) }
            logger.error("account not created", metadata: ["account": "\(id)", "error": "\(error)"])
            throw error
        }
    }

    /// The account archive as stored (encrypted when the account has a password).
    public func exportAccount(_ id: String) throws(DaemonError) -> (archive: [UInt8], hasPassword: Bool) {
        let runtime = try runtime(id)
        do {
            return (try store.archiveBytes(runtime.id), try store.info(runtime.id).archiveHasPassword)
        } catch { throw DaemonError(error) }
    }

    public func info(_ id: PublicKeyID) throws(DaemonError) -> AccountStore.Info {
        do { return try store.info(id) } catch { throw DaemonError(error) }
    }

    /// A peer typed by a person: an id, a `jami:` URI, a username or `user@nameserver-host`.
    public func resolve(_ text: String) async throws(DaemonError) -> PublicKeyID {
        let reference: PeerReference
        do { reference = try PeerReference(text) } catch { throw DaemonError(error) }
        switch reference {
        case .account(let id): return id
        case .username(let name): return try await lookup(name, server: nameServer.get())
        case .usernameOnServer(let name, let server): return try await lookup(name, server: server)
        }
    }

    private func lookup(_ name: String, server: ServerURL) async throws(DaemonError) -> PublicKeyID {
        do {
            return try await NameServerClient(server: server).lookup(name: name).address
        } catch {
            throw DaemonError(error, name: name)
        }
    }
}
