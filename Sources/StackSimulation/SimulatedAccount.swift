import Contacts
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
    var device: PublicKeyID { member.device.shortID }

    init(index: Int, member: IdentityPool.Member, hostile: Bool, simulation: Simulation, bootstrap: [PeerAddress],
         nodeId: InfoHash, announcementId: UInt64) throws {
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
            settings: AccountRuntime.RuntimeSettings(bootstrap: bootstrap, pendingRequestLimit: 1000), events: events,
            logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() }), scheduler: simulation.scheduler,
            nodes: SimulatedNodeFactory(simulation: simulation))
    }
}
