import ArgumentParser
import DaemonClient
import DaemonWire
import Foundation

/// `rafiki account authorize`: on a device that has the account, a PIN for a new one.
struct AuthorizeDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize", abstract: "Let a new device join this account: shows a PIN to type there within ten minutes.",
        discussion: """
            The archive goes on the DHT encrypted with a key made from the PIN and the account's password (Jami's way). \
            On the new device: `rafiki account link PIN [--password]`, or Jami's "Link this device to an existing account".
            """)
    @OptionGroup var options: DaemonOptions
    @Flag(help: "The account has a password (asked for; or RAFIKI_PASSWORD).") var password = false

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let account = try await options.account(client)
            let pw = password ? try Password.read(prompt: "account password") : nil
            let link = try await client.call(.authorizeDevice, account: account, body: API.AuthorizeDevice(password: pw), as: API.DeviceLink.self)
            if options.json { return printJSON(link) }
            print("PIN: \(link.pin)   (valid until \(formatTime(link.expires)); type it on the new device with the account's password)")
        }
    }
}

/// `rafiki account link PIN`: this machine becomes a device of the account another one authorized.
struct LinkDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link", abstract: "Make this machine a device of an account, with the PIN another device shows (`rafiki account authorize`, or Jami's).")
    @OptionGroup var options: DaemonOptions
    @Argument(help: "The PIN (8 letters and digits).") var pin: String
    @Flag(help: "The account has a password (asked for; or RAFIKI_PASSWORD).") var password = false
    @Option(help: "A name for this device.") var deviceName = "rafiki"

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let pw = password ? try Password.read(prompt: "account password") : nil
            FileHandle.standardError.write(Data("looking for the account on the DHT…\n".utf8))
            let a = try await client.call(.linkDevice, body: API.LinkDevice(pin: pin, password: pw, deviceName: deviceName), as: API.Account.self)
            if options.json { return printJSON(a) }
            print("account \(a.id)")
            print("device  \(a.device)")
        }
    }
}
