import Foundation
import GRDB
import Identity

/// Our trust requests still on their way: one row per device of a peer, kept until the peer
/// answers (or we give up), so a restart resumes the deliveries.
extension AccountDatabase {
    /// Our request to one device of `peer`, sealed for it, with its delivery schedule.
    public struct OutgoingRequest: Sendable, Equatable {
        public var peer: PublicKeyID
        public var device: PublicKeyID
        /// The sealed DHT value, packed: re-put as is, so the receiver sees one value, not several.
        public var value: [UInt8]
        public var attempts: Int
        /// Milliseconds since 1970.
        public var nextAttempt: Int64
    }

    public func saveOutgoing(_ r: OutgoingRequest) throws(DaemonError) {
        _ = try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO outgoing (peer, device, value, attempts, next_attempt) VALUES (?, ?, ?, ?, ?)",
                           arguments: [r.peer.hex, r.device.hex, Data(r.value), r.attempts, r.nextAttempt])
        }
    }

    /// Every request still being delivered, soonest first; unreadable rows are skipped.
    public func outgoing() throws(DaemonError) -> [OutgoingRequest] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outgoing ORDER BY next_attempt").compactMap { row in
                guard let peer = PublicKeyID(hex: row["peer"] as String), let device = PublicKeyID(hex: row["device"] as String) else { return nil }
                let value: Data = row["value"]
                return OutgoingRequest(peer: peer, device: device, value: Array(value), attempts: row["attempts"], nextAttempt: row["next_attempt"])
            }
        }
    }

    /// Forgets our requests to `peer` (every device, or one).
    public func deleteOutgoing(peer: PublicKeyID, device: PublicKeyID? = nil) throws(DaemonError) {
        _ = try write { db in
            if let device {
                try db.execute(sql: "DELETE FROM outgoing WHERE peer = ? AND device = ?", arguments: [peer.hex, device.hex])
            } else {
                try db.execute(sql: "DELETE FROM outgoing WHERE peer = ?", arguments: [peer.hex])
            }
        }
    }
}
