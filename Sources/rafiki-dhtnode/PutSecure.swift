import ArgumentParser
import DHT
import SecureDHT

/// `put-signed`: store a value signed with the node's identity.
struct PutSigned: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put-signed", abstract: "Store a value signed with this node's identity (RSA PKCS#1 v1.5, SHA-512).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: KeyOptions
    @OptionGroup var payload: DataOptions
    @OptionGroup var identity: IdentityOptions
    @Option(name: .customLong("user-type"), help: "The value's user type ('utype').") var userType = ""
    @Option(help: "Value id (default: random).") var id: UInt64 = 0
    @Option(help: "Stay up this many seconds after the put.") var linger: Double = 0

    func run() async throws {
        try await SecurePut.run(global, target, payload, identity, userType: userType, id: id, linger: linger, to: nil)
    }
}

/// `put-encrypted`: store a value signed, then encrypted to the owner of a public-key id.
struct PutEncrypted: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put-encrypted",
        abstract: "Store a value signed and encrypted to a recipient, whose certificate is looked up at its public-key id.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: KeyOptions
    @OptionGroup var payload: DataOptions
    @OptionGroup var identity: IdentityOptions
    @Option(help: ArgumentHelp("Recipient's public-key id (40 hex digits).", valueName: "PKID")) var to: String
    @Option(name: .customLong("user-type"), help: "The value's user type ('utype').") var userType = ""
    @Option(help: "Value id (default: random).") var id: UInt64 = 0
    @Option(help: "Stay up this many seconds after the put.") var linger: Double = 0

    func validate() throws {
        guard InfoHash(hex: to) != nil else { throw ValidationError("--to needs 40 hex digits") }
    }

    func run() async throws {
        try await SecurePut.run(global, target, payload, identity, userType: userType, id: id, linger: linger, to: InfoHash(hex: to))
    }
}

enum SecurePut {
    static func run(
        _ global: GlobalOptions, _ target: KeyOptions, _ payload: DataOptions, _ identity: IdentityOptions,
        userType: String, id: UInt64, linger: Double, to recipient: InfoHash?
    ) async throws {
        let session = await NodeSession.start(global, defaultPort: 0, identity: identity.load(required: true))
        let node = session.secure
        let value = Value(id: id == 0 ? UInt64.random(in: 1...UInt64.max) : id, data: payload.bytes, userType: userType)
        var stored = 0
        var failure: String?
        do {
            if let recipient {
                stored = try await node.putEncrypted(target.infoHash, to: recipient, value)
            } else {
                stored = try await node.putSigned(target.infoHash, value)
            }
        } catch {
            failure = "\(error)"
        }
        var l = JSONLine(event: "put")
        l.add("mode", recipient == nil ? "signed" : "encrypted")
        l.add("ok", stored > 0)
        l.add("key", target.infoHash.hex)
        l.add("id", String(value.id))
        l.add("owner", node.publicKeyID?.hex)
        if let recipient { l.add("to", recipient.hex) }
        l.add("stored_on", stored)
        if let failure { l.add("error", failure) }
        l.emit()
        if linger > 0 { try? await Task.sleep(for: .seconds(linger)) }
        await node.shutdown()
        throw ExitCode(stored > 0 ? ExitStatus.ok.rawValue : ExitStatus.failed.rawValue)
    }
}
