import DaemonWire
import Identity
import Logging
import Scheduling
import Synchronization

/// What every service of one account shares: who we are, where the state lives, time and
/// tasks, events for clients, and the log.
public struct AccountContext: Sendable {
    public let account: PublicKeyID
    public let device: DeviceIdentity
    public let database: AccountDatabase
    public let scheduler: Scheduler
    public let events: EventHub
    public let logger: Logger
    /// Services that react to this account's own events (own-device sync): told of each one
    /// as it is published, without being API subscribers.
    let taps = EventTaps()

    public init(account: PublicKeyID, device: DeviceIdentity, database: AccountDatabase, scheduler: Scheduler, events: EventHub, logger: Logger) {
        self.account = account
        self.device = device
        self.database = database
        self.scheduler = scheduler
        self.events = events
        var logger = logger
        logger[metadataKey: "account"] = "\(account.hex.prefix(8))"
        self.logger = logger
    }

    /// Publishes an event of this account, stamped with the scheduler's time.
    func emit(_ kind: DaemonEvent.Kind, peer: PublicKeyID? = nil, _ fill: (inout DaemonEvent) -> Void = { _ in }) {
        var e = DaemonEvent(kind, account: account.hex, peer: peer?.hex)
        e.time = scheduler.unixMilliseconds
        fill(&e)
        events.publish(e)
        taps.notify(e)
    }

    /// Runs a database write whose failure the caller cannot report to anyone: it is logged and
    /// published as a `storage.failed` event, never dropped silently. Returns nil on failure.
    @discardableResult
    func recording<T>(_ what: String, _ write: () throws(DaemonError) -> T) -> T? {
        do {
            return try write()
        } catch {
            logger.error("could not store: \(what)", metadata: ["error": "\(error)"])
            emit(.storageFailed) { $0.detail = what }
            return nil
        }
    }
}

/// Handlers told of an account's events in-process (not counted as API subscribers). Each runs
/// on the publisher's task, so it only hands the event on.
final class EventTaps: Sendable {
    private let handlers = Mutex<[@Sendable (DaemonEvent) -> Void]>([])

    func add(_ handler: @escaping @Sendable (DaemonEvent) -> Void) { handlers.withLock { $0.append(handler) } }

    func notify(_ e: DaemonEvent) { for h in handlers.withLock({ $0 }) { h(e) } }
}
