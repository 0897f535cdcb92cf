import DaemonWire
import Contacts
import Foundation
import DHT
import DHTSimulation
import Daemon
import Identity
import Logging
import Scheduling

/// One account stack of the simulation: the daemon's ``AccountRuntime`` with an in-memory
/// database and a node on the virtual network, and what the scenario knows about it.
///
/// Safety of `@unchecked Sendable`: `online` is the only mutable state, and it is read and
/// written only by the run's tasks, all on the simulation's thread.
final class SimulatedAccount: @unchecked Sendable {
    let index: Int
    let member: IdentityPool.Member
    let runtime: AccountRuntime
    let events = EventHub()
    let hostile: Bool
    /// Whether the account is running now (the truth presence is checked against).
    var online = false

    var id: PublicKeyID { member.archive.accountID }

    /// Silent, unless `RAFIKI_SIM_LOG` names a level (`debug`, `info`…): then on standard error.
    static func logger(_ index: Int) -> Logger {
        guard let level = getenv("RAFIKI_SIM_LOG").map({ String(cString: $0) }).flatMap(Logger.Level.init(rawValue:)) else {
            return Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        var logger = Logger(label: "sim.a\(index)", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = level
        return logger
    }
    var device: PublicKeyID { member.device.shortID }

    init(index: Int, member: IdentityPool.Member, hostile: Bool, simulation: Simulation, bootstrap: [PeerAddress],
         nodeId: InfoHash, announcementId: UInt64, pendingRequestLimit: Int = 1000) throws {
        self.index = index
        self.member = member
        self.hostile = hostile
        let database = try AccountDatabase.inMemory()
        try database.setSetting(AccountRuntime.nodeIdSetting, nodeId.bytes)
        try database.setSetting("profile", VCard.make(displayName: "Account \(index)"))
        let announcement = try DeviceAnnouncement(device: member.device).signedValue(accountKey: member.archive.accountKey, id: announcementId)
        runtime = AccountRuntime(
            device: member.device, accountID: member.archive.accountID, announcement: announcement,
            revocationList: member.archive.revocationList, database: database,
            settings: AccountRuntime.RuntimeSettings(bootstrap: bootstrap, pendingRequestLimit: pendingRequestLimit), events: events,
            logger: Self.logger(index), scheduler: simulation.scheduler,
            nodes: SimulatedNodeFactory(simulation: simulation))
    }
}
