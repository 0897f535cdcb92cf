import ArgumentParser
import Foundation
import Identity
import X509

struct ShowAccount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an account's ids, devices and certificate chain.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "JSON output.") var json = false

    struct Summary: Encodable {
        struct Cert: Encodable { var name: String; var keyID: String; var serial: String; var notBefore: Date; var notAfter: Date }
        var accountID: String, deviceID: String, deviceLongID: String, archiveHasPassword: Bool
        var chain: [Cert]
        var devices: [AccountStore.Info.Device]
    }

    func run() async throws {
        try await reportingErrors {
            let store = options.store
            let id = try options.account()
            let info = try store.info(id)
            let device = try store.device(id)
            let chain = device.chain.certificates.enumerated().map { i, c in
                Summary.Cert(name: c.commonName ?? "", keyID: c.keyID.hex, serial: device.chain.serialHex(at: i),
                             notBefore: c.notValidBefore, notAfter: c.notValidAfter)
            }
            let summary = Summary(accountID: id.hex, deviceID: device.shortID.hex, deviceLongID: device.longID.hex,
                                  archiveHasPassword: info.archiveHasPassword, chain: chain,
                                  devices: info.devices.map { var d = $0; d.certificate = ""; return d })
            if json { return printJSON(summary) }
            print("account   \(summary.accountID)\(info.archiveHasPassword ? "  (archive password protected)" : "")")
            print("device    \(summary.deviceID)  (long id \(summary.deviceLongID))")
            print("chain")
            for c in chain { print("  \(c.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(c.keyID)  valid until \(c.notAfter)") }
            print("devices")
            for d in info.devices { print("  \(d.id)  \(d.name)\(d.revoked ? "  REVOKED" : "")\(d.id == summary.deviceID ? "  (this one)" : "")") }
        }
    }
}

struct AddDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-device",
        abstract: "Issue a certificate for a new device and write its key.pem and cert.pem (the identity-dir format).")
    @OptionGroup var options: StoreOptions
    @Option(help: "Folder to write key.pem and cert.pem into.") var out: String
    @Option(help: "A name for the new device.") var name = "device"

    func run() async throws {
        try await reportingErrors {
            let store = options.store
            let id = try options.account()
            var info = try store.info(id)
            let archive = try store.archive(id, password: try Password.forAccount(info))
            let device = try DeviceIdentity.create(for: archive)
            try device.write(directory: URL(fileURLWithPath: out))
            info.devices.append(AccountStore.Info.Device(id: device.shortID.hex, name: name, certificate: CertificateChain([device.certificate]).pem))
            try store.saveInfo(info, for: id)
            print("device \(device.shortID.hex) written to \(out)")
        }
    }
}

struct RevokeDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-device", abstract: "Revoke one of the account's devices (adds it to the account's CRL).")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The device id (40 hex).") var deviceID: String

    func run() async throws {
        try await reportingErrors {
            let store = options.store
            let id = try options.account()
            var info = try store.info(id)
            guard let index = info.devices.firstIndex(where: { $0.id == deviceID.lowercased() }) else {
                throw CLIError("no device \(deviceID) in this account (see `rafiki account show`)")
            }
            let deviceChain = try CertificateChain(pemOrDER: Array(info.devices[index].certificate.utf8))
            let password = try Password.forAccount(info)
            var archive = try store.archive(id, password: password)
            let current = try archive.revocationList
                ?? RevocationList.sign(entries: [], number: RevocationList.randomNumber(), issuer: archive.accountCertificate, key: archive.accountKey)
            archive.revocationList = try current.revoking(leafOf: deviceChain, issuer: archive.accountCertificate, key: archive.accountKey)
            try store.replaceArchive(archive, password: password)
            info.devices[index].revoked = true
            try store.saveInfo(info, for: id)
            print("device \(deviceID) revoked (CRL has \(archive.revocationList?.entries.count ?? 0) entries); tell the network with `rafiki account publish --bootstrap HOST:PORT`")
        }
    }
}
