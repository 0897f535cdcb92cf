import Foundation
import Identity

extension AccountStore {
    /// Writes everything a new (or newly imported) account needs to start: its files, the
    /// signed device announcement and, when a display name was given, its profile in the
    /// account database. All of it is staged and renamed into place at the end, so a failure
    /// leaves nothing. Returns false when the account was already here (imported again) and
    /// only its device files were replaced.
    @discardableResult
    public func install(_ archive: AccountArchive, device: DeviceIdentity, input: AccountInput) throws(DaemonError) -> Bool {
        let staged: StagedAccount
        do { staged = try stage(archive, password: input.password, device: device, deviceName: input.deviceName) } catch { throw .storage("\(error)") }
        do {
            try AnnouncementFile.save(for: archive, device: device, in: staged.folder)
            if let profile = input.profile {
                // Closed (deinit) before the rename: nothing holds the staged folder open.
                try AccountDatabase(path: staged.folder.appendingPathComponent(AccountDatabase.fileName).path).setSetting("profile", profile)
            }
            return try commit(staged)
        } catch let e as DaemonError {
            discard(staged)
            throw e
        } catch {
            discard(staged)
            throw .storage("\(error)")
        }
    }
}
