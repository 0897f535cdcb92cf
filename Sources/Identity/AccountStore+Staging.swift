#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Creating an account in one step. Its files are written into a staging folder beside the
/// accounts (`.staging-<id>-<random>`, same filesystem) and the folder is renamed into place
/// at the end, so an account either exists whole or not at all: a failure, or a crash, before
/// the rename leaves only a staging folder, which ``discard(_:)`` or
/// ``removeAbandonedStaging()`` deletes and ``accounts()`` never lists.
extension AccountStore {
    /// A new account's folder, complete but not yet in place.
    public struct StagedAccount: Sendable {
        public let id: PublicKeyID
        /// Where to add more files before ``AccountStore/commit(_:)``.
        public let folder: URL
    }

    static let stagingPrefix = ".staging-"

    /// Writes the account (archive, device key and chain, `account.json`) into a new staging folder.
    public func stage(_ archive: AccountArchive, password: String?, device: DeviceIdentity, deviceName: String) throws(IdentityError) -> StagedAccount {
        let staged = StagedAccount(id: archive.accountID, folder: root.appendingPathComponent("\(Self.stagingPrefix)\(archive.accountID.hex)-\(UInt64.random(in: 0...UInt64.max))"))
        do {
            try SecureFile.makeDirectory(staged.folder)
            try write(archive, password: password, device: device, deviceName: deviceName, in: staged.folder)
        } catch {
            discard(staged)
            throw error
        }
        return staged
    }

    /// Puts a staged account in place and returns true. An account already in place (imported
    /// again for a new device) keeps its folder: each staged file replaces its own (one rename
    /// each), the others (its database) stay; then this returns false.
    @discardableResult
    public func commit(_ staged: StagedAccount) throws(IdentityError) -> Bool {
        let target = folder(staged.id)
        if rename(staged.folder.path, target.path) == 0 {
            syncFolder(root)
            return true
        }
        guard errno == EEXIST || errno == ENOTEMPTY else {
            let why = String(cString: strerror(errno))
            discard(staged)
            throw .io("cannot put account \(staged.id) in place: \(why)")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: staged.folder.path) } catch {
            discard(staged)
            throw .io("cannot read the staged files of account \(staged.id)")
        }
        for name in names where rename(staged.folder.appendingPathComponent(name).path, target.appendingPathComponent(name).path) != 0 {
            let why = String(cString: strerror(errno))
            discard(staged)
            throw .io("cannot update account \(staged.id): \(why)")
        }
        syncFolder(target)
        discard(staged)
        return false
    }

    /// Deletes a staged account that will not be committed.
    public func discard(_ staged: StagedAccount) {
        try? FileManager.default.removeItem(at: staged.folder)
    }

    /// Deletes an account folder: renamed aside first, so the account disappears in one step
    /// even if removing its files is interrupted.
    public func remove(_ id: PublicKeyID) {
        let aside = root.appendingPathComponent("\(Self.stagingPrefix)\(id.hex)-removed-\(UInt64.random(in: 0...UInt64.max))")
        guard rename(folder(id).path, aside.path) == 0 else { return }
        syncFolder(root)
        try? FileManager.default.removeItem(at: aside)
    }

    /// Staging folders left by a creation that was interrupted (a crash before the rename).
    public func removeAbandonedStaging() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in names where name.hasPrefix(Self.stagingPrefix) {
            try? FileManager.default.removeItem(at: root.appendingPathComponent(name))
        }
    }

    private func syncFolder(_ url: URL) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
