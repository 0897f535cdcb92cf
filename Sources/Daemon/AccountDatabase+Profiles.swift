import Foundation
import GRDB

/// Profiles: the vCards other accounts' devices sent us, and what we sent to whom.
extension AccountDatabase {
    public func profile(of account: String) throws(DaemonError) -> [UInt8]? {
        try read { db in (try Data.fetchOne(db, sql: "SELECT vcard FROM profiles WHERE account = ?", arguments: [account])).map { Array($0) } }
    }

    /// Keeps `vcard` as `account`'s profile; returns whether it changed.
    @discardableResult
    public func setProfile(_ vcard: [UInt8], of account: String, at time: Int64) throws(DaemonError) -> Bool {
        try write { db in
            let old = try Data.fetchOne(db, sql: "SELECT vcard FROM profiles WHERE account = ?", arguments: [account])
            guard old != Data(vcard) else { return false }
            try db.execute(sql: "INSERT OR REPLACE INTO profiles (account, vcard, received) VALUES (?, ?, ?)", arguments: [account, Data(vcard), time])
            return true
        }
    }

    /// The digest of our profile `device` last received, nil if none.
    public func pushedProfile(to device: String) throws(DaemonError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT digest FROM profile_pushes WHERE device = ?", arguments: [device]) }
    }

    public func setPushedProfile(_ digest: String, to device: String) throws(DaemonError) {
        _ = try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO profile_pushes (device, digest) VALUES (?, ?)", arguments: [device, digest])
        }
    }
}
