import Crypto
import FoundationEssentials

/// Jami 13.7's way of linking a device (jami-protocol §1.8): the existing device puts the
/// archive on the DHT for about ten minutes, encrypted with a key stretched from the account
/// password and a PIN it shows; the new device, given both, finds and opens it.
///
/// - PIN: 8 characters of `0-9A-Z` (shown in lower case, used in upper case);
/// - key = Argon2i-then-SHA-256 (``PasswordKey``) of the password with salt
///   `PIN ‖ hex(unix seconds / 1200)` (lower-case hex, no padding: 20-minute windows);
/// - location = SHA-1(key); value data = `IV[12] ‖ AES-256-GCM(key, zlib(JSON)) ‖ tag[16]`.
///
/// A new device tries the current window and the previous one.
public enum ArchivePIN {
    public static let length = 8
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
    /// Seconds per time window.
    public static let window: Int64 = 1200

    /// A new PIN, uniformly random.
    public static func newPIN() -> String {
        var rng = SystemRandomNumberGenerator()
        return String(decoding: (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }, as: UTF8.self)
    }

    /// The PIN as typed (any case, spaces and dashes ignored), upper-cased; nil when it is not
    /// 8 characters of the alphabet.
    public static func normalized(_ typed: String) -> String? {
        let pin = typed.uppercased().filter { $0 != " " && $0 != "-" }
        guard pin.utf8.count == length, pin.utf8.allSatisfy(alphabet.contains) else { return nil }
        return pin
    }

    /// The key and DHT location (20 bytes) for `pin` in the window of `unixSeconds`, or the
    /// window before it when `previous`. Costs one Argon2i (about a quarter of a second).
    public static func key(pin: String, password: String, unixSeconds: Int64, previous: Bool = false) throws(IdentityError) -> (key: [UInt8], location: [UInt8]) {
        let seed = unixSeconds / window - (previous ? 1 : 0)
        let key = try PasswordKey.derive(password: password, salt: Array(pin.utf8) + Array(String(seed, radix: 16).utf8))
        return (key, Array(Insecure.SHA1.hash(data: key)))
    }

    /// The archive as the DHT value's data.
    public static func seal(_ archive: AccountArchive, key: [UInt8]) throws(IdentityError) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(try Zlib.deflate(archive.json(), format: .zlib), using: SymmetricKey(data: key))
            return Array(box.combined!)  // safe: combined exists for the default 12-byte nonce
        } catch let e as IdentityError {
            throw e
        } catch {
            throw .io("encryption failed: \(error)")
        }
    }

    /// The archive in a DHT value's data; `.wrongPassword` when `key` does not open it (another
    /// value at that location, a wrong PIN or password).
    public static func open(_ data: [UInt8], key: [UInt8]) throws(IdentityError) -> AccountArchive {
        guard data.count >= 12 + 16, data.count <= ArchiveFile.maxFileSize else { throw .malformed("not an archive value") }
        let plain: [UInt8]
        do {
            plain = Array(try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: SymmetricKey(data: key)))
        } catch {
            throw .wrongPassword
        }
        return try AccountArchive(json: try Zlib.inflate(plain))
    }
}
