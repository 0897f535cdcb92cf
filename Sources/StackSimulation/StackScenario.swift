import DaemonWire
import DHT
import DHTSimulation
import Foundation

/// The whole-stack scenario of `rafiki-sim`: N complete account stacks (the daemon's services and
/// SQLite state, over SecureDHT, over simulated DHT nodes) on a virtual network with loss. They
/// come online, publish, add each other by id, accept, decline or ban; a share goes offline for
/// a while and comes back; a share may be hostile. Everything is drawn from `seed`.
public struct StackScenario: Sendable {
    public var accounts = 100
    public var seed: UInt64 = 1
    /// Share of accounts that go offline once (for 2 to 20 minutes) and come back.
    public var churn = 0.30
    /// Share of datagrams lost.
    public var loss = 0.05
    /// Share of accounts that attack everyone (``StackRun`` says how).
    public var hostile = 0.0
    /// Trust requests each honest account sends, to random honest accounts.
    public var requestsPerAccount = 2
    /// Plain DHT nodes beside the accounts' (the bootstrap node among them); 0: a fifth of the
    /// accounts, at least 8.
    public var infrastructureNodes = 0
    /// Simulated time the run lasts (ms).
    public var duration: Int64 = 3_600_000

    public init() {}

    /// What a run measured. Times are simulated milliseconds.
    public struct Report: Sendable, Codable, Equatable {
        public var accounts: Int
        public var hostileAccounts: Int
        public var seed: UInt64
        public var churn: Double
        public var loss: Double
        /// Trust requests honest accounts sent to honest accounts.
        public var requestsSent: Int
        /// Of those, the ones the receiver saw.
        public var requestsDelivered: Int
        public var deliveryRate: Double
        /// From the add to the receiver seeing it (the receiver may be offline meanwhile).
        public var deliveryP50Ms: Int64
        public var deliveryP99Ms: Int64
        /// Requests accepted whose sender then saw the confirmation.
        public var requestsAccepted: Int
        public var confirmationsSeen: Int
        /// Share of (observer, confirmed contact) samples, once a minute, where the observer's
        /// view of the contact's presence was the truth.
        public var presenceAccuracy: Double
        public var presenceSamples: Int
        /// Values from hostile accounts an honest account showed as a request (valid requests
        /// from real accounts, with their oversized profile dropped).
        public var hostileRequestsShown: Int
        /// Attackers' connection requests that reached honest accounts (and were refused).
        public var hostileConnectionRequests: Int
        public var simulatedSeconds: Double
        public var wallSeconds: Double
        /// Resident memory the accounts added, per account (0 when not measured).
        public var bytesPerAccount: Int
        public var datagrams: Int
        public var datagramsLost: Int
        public var jobs: Int
        /// Lines in the event trace.
        public var traceLines: Int
    }
}
