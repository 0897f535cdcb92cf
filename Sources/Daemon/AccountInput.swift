import Contacts

/// What a new or imported account is made with, checked before anything is generated or
/// written: a failed check costs no key and leaves no file. The limits are in README
/// ("Accounts").
public struct AccountInput: Sendable, Equatable {
    /// Characters in a device name (Jami shows it in device lists).
    public static let maxDeviceName = 64
    /// Bytes of a password: far more than anyone types, small enough that the archive's
    /// key derivation never reads a body-sized string.
    public static let maxPassword = 1024

    /// Nil or empty: no password.
    public let password: String?
    public let deviceName: String
    /// The profile sent in contact requests, when a display name was given.
    public let profile: [UInt8]?

    public init(password: String?, deviceName: String, displayName: String?) throws(DaemonError) {
        if let password, password.utf8.count > Self.maxPassword {
            throw .invalid("the password is longer than \(Self.maxPassword) bytes")
        }
        guard !deviceName.isEmpty else { throw .invalid("the device name is empty") }
        try Self.check(deviceName, what: "device name", limit: Self.maxDeviceName)
        var profile: [UInt8]?
        if let displayName {
            try Self.check(displayName, what: "display name", limit: VCard.maxDisplayName)
            let vcard = VCard.make(displayName: displayName)
            guard vcard.count <= TrustRequest.maxPayload else { throw DaemonError(ContactsError.payloadTooLarge(vcard.count, limit: TrustRequest.maxPayload)) }
            profile = vcard
        }
        self.password = password.flatMap { $0.isEmpty ? nil : $0 }
        self.deviceName = deviceName
        self.profile = profile
    }

    /// At most `limit` characters (and 4 bytes each: a character can hide any number of
    /// combining marks), none of them a control character (a newline would end the vCard line,
    /// an escape sequence would reach a peer's terminal).
    private static func check(_ text: String, what: String, limit: Int) throws(DaemonError) {
        guard text.utf8.count <= 4 * limit, text.count <= limit else {
            throw .invalid("the \(what) is longer than \(limit) characters (\(text.utf8.count) bytes)")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("the \(what) contains control characters")
        }
    }
}
