import CArgon2
import Crypto

/// The archive password KDF Jami and OpenDHT use (`stretchKey`): Argon2i with t = 16 passes,
/// m = 64 MiB, one lane, 32 bytes of output, then SHA-256 of that output. Costs about a quarter of
/// a second and 64 MiB of memory per call, by design.
enum PasswordKey {
    static let passes: UInt32 = 16
    static let memoryKiB: UInt32 = 64 * 1024
    static let saltLength = 16

    static func derive(password: String, salt: [UInt8]) throws(IdentityError) -> [UInt8] {
        var raw = [UInt8](repeating: 0, count: 32)
        let pwd = Array(password.utf8)
        let status = pwd.withUnsafeBytes { p in
            salt.withUnsafeBytes { s in
                raw.withUnsafeMutableBytes { out in
                    argon2i_hash_raw(passes, memoryKiB, 1, p.baseAddress, pwd.count, s.baseAddress, salt.count, out.baseAddress, 32)
                }
            }
        }
        guard status == ARGON2_OK.rawValue else {
            throw .malformed("password key derivation failed: \(String(cString: argon2_error_message(status)))")
        }
        return Array(SHA256.hash(data: raw))
    }
}
