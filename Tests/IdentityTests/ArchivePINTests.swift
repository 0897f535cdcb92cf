import Crypto
@testable import Identity
import Testing

/// The PIN route of Jami 13.7 (the interop with jamid itself is `JamidSyncTests`).
@Suite struct ArchivePINTests {
    @Test func aPinOpensTheArchiveOnlyWithItsPasswordAndWindow() throws {
        let archive = ArchiveTests.archive
        let pin = ArchivePIN.newPIN()
        #expect(ArchivePIN.normalized(pin.lowercased()) == pin && ArchivePIN.normalized("\(pin.prefix(4)) \(pin.dropFirst(4))") == pin)
        #expect(ArchivePIN.normalized("short") == nil && ArchivePIN.normalized("ABCDEFG!") == nil)
        let now: Int64 = 1_764_000_000
        let (key, location) = try ArchivePIN.key(pin: pin, password: "pw", unixSeconds: now)
        #expect(location == Array(Insecure.SHA1.hash(data: key)) && key.count == 32)
        let sealed = try ArchivePIN.seal(archive, key: key)
        #expect(try ArchivePIN.open(sealed, key: key).accountID == archive.accountID)
        // The next window's device still finds it as the previous one.
        let later = try ArchivePIN.key(pin: pin, password: "pw", unixSeconds: now + ArchivePIN.window, previous: true)
        #expect(later.key == key)
        for other in [try ArchivePIN.key(pin: pin, password: "other", unixSeconds: now).key,
                      try ArchivePIN.key(pin: ArchivePIN.newPIN(), password: "pw", unixSeconds: now).key,
                      try ArchivePIN.key(pin: pin, password: "pw", unixSeconds: now + ArchivePIN.window).key] {
            #expect(throws: IdentityError.wrongPassword) { try ArchivePIN.open(sealed, key: other) }
        }
        #expect(throws: IdentityError.self) { try ArchivePIN.open([1, 2, 3], key: key) }
    }
}
