import Crypto
import Daemon
import Foundation
import Identity

/// The bearer token clients present: 32 random bytes as hex, in `api-token` (mode 0600) in the
/// daemon's home, made on first start. Anyone who can read it (the user, root) may use the API.
public enum APIToken {
    public static func loadOrCreate(at url: URL) throws(DaemonError) -> String {
        if let existing = try? SecureFile.read(url, limit: 4096) {
            let token = String(decoding: existing, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if token.count >= 32 { return token }
        }
        var rng = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        do {
            try SecureFile.makeDirectory(url.deletingLastPathComponent())
            try SecureFile.write(Array(token.utf8), to: url)
        } catch {
            throw .storage("cannot write \(url.path): \(error)")
        }
        return token
    }

    /// Compares in time independent of where the strings differ.
    static func matches(_ given: Substring, _ expected: String) -> Bool {
        let a = Array(given.utf8), b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
