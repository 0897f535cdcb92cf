import FoundationEssentials
import X509

/// Accounts on disk, one folder per account under the user's data directory
/// (`$XDG_DATA_HOME/rafiki/accounts/<account id>/`):
/// `archive.gz` (Jami's format, encrypted when the account has a password), `ring_device.key`
/// and `ring_device.crt` (this device's key and chain, as Jami names them) and `account.json`
/// (devices issued from here and whether the archive has a password). Everything is 0600.
public struct AccountStore: Sendable {
    public let root: URL

    public init(root: URL = AccountStore.defaultRoot()) {
        self.root = root
    }

    public static func defaultRoot() -> URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((env["HOME"] ?? "/tmp") + "/.local/share")
        return URL(fileURLWithPath: base).appendingPathComponent("rafiki/accounts")
    }

    /// What `account.json` records.
    public struct Info: Codable, Sendable {
        public struct Device: Codable, Sendable {
            public var id: String
            public var name: String
            /// The device certificate (PEM).
            public var certificate: String
            public var revoked = false

            public init(id: String, name: String, certificate: String, revoked: Bool = false) {
                (self.id, self.name, self.certificate, self.revoked) = (id, name, certificate, revoked)
            }
        }
        public var accountID: String
        public var archiveHasPassword: Bool
        public var devices: [Device]
    }

    public func folder(_ id: PublicKeyID) -> URL { root.appendingPathComponent(id.hex) }

    public func accounts() -> [PublicKeyID] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.compactMap { PublicKeyID(hex: $0) }.filter { FileManager.default.fileExists(atPath: folder($0).appendingPathComponent("account.json").path) }.sorted()
    }

    /// Writes a new account (or a newly imported one) with this device, in one step (see
    /// ``stage(_:password:device:deviceName:)``).
    public func save(_ archive: AccountArchive, password: String?, device: DeviceIdentity, deviceName: String) throws(IdentityError) {
        try commit(stage(archive, password: password, device: device, deviceName: deviceName))
    }

    func write(_ archive: AccountArchive, password: String?, device: DeviceIdentity, deviceName: String, in dir: URL) throws(IdentityError) {
        try SecureFile.write(Array(device.key.pkcs8PEM.utf8), to: dir.appendingPathComponent("ring_device.key"))
        try SecureFile.write(Array(device.chain.pem.utf8), to: dir.appendingPathComponent("ring_device.crt"))
        try SecureFile.write(try ArchiveFile.seal(archive, password: password), to: dir.appendingPathComponent("archive.gz"))
        let info = Info(accountID: archive.accountID.hex, archiveHasPassword: !(password ?? "").isEmpty,
                        devices: [.init(id: device.shortID.hex, name: deviceName, certificate: CertificateChain([device.certificate]).pem)])
        try saveInfo(info, in: dir)
    }

    public func info(_ id: PublicKeyID) throws(IdentityError) -> Info {
        let bytes = try SecureFile.read(folder(id).appendingPathComponent("account.json"), limit: 16 << 20)
        guard let info = try? JSONDecoder().decode(Info.self, from: Data(bytes)) else { throw .malformed("account.json of \(id)") }
        return info
    }

    public func saveInfo(_ info: Info, for id: PublicKeyID) throws(IdentityError) {
        try saveInfo(info, in: folder(id))
    }

    private func saveInfo(_ info: Info, in dir: URL) throws(IdentityError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let json = try? encoder.encode(info) else { throw .malformed("account.json of \(info.accountID) cannot be encoded") }
        try SecureFile.write(Array(json), to: dir.appendingPathComponent("account.json"))
    }

    public func archiveBytes(_ id: PublicKeyID) throws(IdentityError) -> [UInt8] {
        try SecureFile.read(folder(id).appendingPathComponent("archive.gz"))
    }

    public func archive(_ id: PublicKeyID, password: String?) throws(IdentityError) -> AccountArchive {
        try ArchiveFile.open(archiveBytes(id), password: password)
    }

    public func replaceArchive(_ archive: AccountArchive, password: String?) throws(IdentityError) {
        try SecureFile.write(try ArchiveFile.seal(archive, password: password), to: folder(archive.accountID).appendingPathComponent("archive.gz"))
    }

    public func device(_ id: PublicKeyID) throws(IdentityError) -> DeviceIdentity {
        let dir = folder(id)
        let key = try RSAPrivateKey(pemOrDER: SecureFile.read(dir.appendingPathComponent("ring_device.key")))
        let chain = try CertificateChain(pemOrDER: SecureFile.read(dir.appendingPathComponent("ring_device.crt")))
        guard chain.leaf.keyID == key.publicKey.id else { throw .invalidChain("ring_device.crt is not ring_device.key's certificate") }
        return DeviceIdentity(key: key, chain: chain)
    }
}
