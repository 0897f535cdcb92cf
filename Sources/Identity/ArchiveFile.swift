import Crypto
import FoundationEssentials

/// The bytes of an archive file (§1.6). Without a password: the JSON, gzipped. With one:
/// `salt[16] ‖ IV[12] ‖ AES-256-GCM(zlib(JSON)) ‖ tag[16]`, the key being Argon2i(password, salt)
/// then SHA-256. Readers accept gzip or zlib either way.
public enum ArchiveFile {
    /// Largest archive file read (the JSON inflates to at most ``Zlib/maxInflatedSize``).
    public static let maxFileSize = 32 << 20

    public static func seal(_ archive: AccountArchive, password: String?) throws(IdentityError) -> [UInt8] {
        let json = archive.json()
        guard let password, !password.isEmpty else { return try Zlib.deflate(json, format: .gzip) }
        let salt = (0..<PasswordKey.saltLength).map { _ in UInt8.random(in: 0...255) }
        let key = try PasswordKey.derive(password: password, salt: salt)
        do {
            let box = try AES.GCM.seal(try Zlib.deflate(json, format: .zlib), using: SymmetricKey(data: key))
            return salt + Array(box.combined!)  // safe: combined exists for the default 12-byte nonce
        } catch let e as IdentityError {
            throw e
        } catch {
            throw .io("encryption failed: \(error)")
        }
    }

    public static func open(_ bytes: [UInt8], password: String?) throws(IdentityError) -> AccountArchive {
        guard bytes.count <= maxFileSize else { throw .malformed("archive larger than \(maxFileSize >> 20) MiB") }
        if isCompressed(bytes) {
            do {
                return try AccountArchive(json: unwrapExtraGzip(try Zlib.inflate(bytes)))
            } catch {
                // An encrypted archive's random salt can look like a zlib header (1 in 500).
                guard let password, !password.isEmpty else { throw error }
            }
        }
        guard let password, !password.isEmpty else { throw .passwordRequired }
        guard bytes.count >= PasswordKey.saltLength + 12 + 16 else { throw .malformed("archive is truncated") }
        let salt = Array(bytes[..<PasswordKey.saltLength])
        let key = try PasswordKey.derive(password: password, salt: salt)
        let plain: [UInt8]
        do {
            let box = try AES.GCM.SealedBox(combined: bytes[PasswordKey.saltLength...])
            plain = Array(try AES.GCM.open(box, using: SymmetricKey(data: key)))
        } catch {
            throw .wrongPassword
        }
        return try AccountArchive(json: unwrapExtraGzip(try Zlib.inflate(plain)))
    }

    /// gzip (1f 8b) or zlib (78 xx with a valid header check).
    static func isCompressed(_ b: [UInt8]) -> Bool {
        guard b.count >= 2 else { return false }
        if b[0] == 0x1f && b[1] == 0x8b { return true }
        return b[0] & 0x0f == 8 && (UInt16(b[0]) << 8 | UInt16(b[1])) % 31 == 0
    }

    /// Web servers sometimes gzip an archive once more; Jami tolerates one extra layer.
    private static func unwrapExtraGzip(_ b: [UInt8]) throws(IdentityError) -> [UInt8] {
        b.count >= 2 && b[0] == 0x1f && b[1] == 0x8b ? try Zlib.inflate(b) : b
    }
}
