import Contacts
import DHT
import Foundation
import Identity

/// `announce.bin` in an account folder: this device's announcement, signed by the account key
/// when the device was made (Jami keeps the same thing in its "receipt"). The daemon publishes it
/// without needing the account key, so a password-protected account starts without its password.
/// The value id is fixed, so a restarted device refreshes its old announcement instead of
/// appearing twice.
public enum AnnouncementFile {
    static let name = "announce.bin"
    static let crlName = "revocation.crl"

    public static func save(for archive: AccountArchive, device: DeviceIdentity, in folder: URL) throws(DaemonError) {
        do {
            let value = try DeviceAnnouncement(device: device).signedValue(accountKey: archive.accountKey)
            try SecureFile.write(value.packed(), to: folder.appendingPathComponent(name))
            if let crl = archive.revocationList {
                try SecureFile.write(crl.derBytes, to: folder.appendingPathComponent(crlName))
            }
        } catch {
            throw .storage("cannot write the device announcement: \(error)")
        }
    }

    /// The stored announcement, or nil when there is none; a corrupt file is an error.
    public static func load(from folder: URL) throws(DaemonError) -> Value? {
        let url = folder.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let value = try Value(packed: try SecureFile.read(url, limit: 64 << 10))
            guard value.isSigned else { throw DaemonError.invalid("not signed") }
            return value
        } catch {
            throw .storage("\(url.path) is unusable: \(error)")
        }
    }

    /// The account's revocation list, when one was saved with the announcement (public data).
    static func revocationList(in folder: URL) -> RevocationList? {
        guard let der = try? SecureFile.read(folder.appendingPathComponent(crlName), limit: 1 << 20) else { return nil }
        return try? RevocationList(derEncoded: der)
    }
}
