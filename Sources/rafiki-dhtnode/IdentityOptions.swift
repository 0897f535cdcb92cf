import ArgumentParser
import FoundationEssentials
import Identity

/// `--identity-dir` / `--with-identity`: the RSA identity a node signs, decrypts and publishes
/// its certificate with, as in the reference harness.
struct IdentityOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Use key.pem and cert.pem from DIR (as gen-identity or `rafiki account add-device` write them).", valueName: "DIR"))
    var identityDir: String?

    @Flag(help: "Generate a fresh RSA-4096 identity for this run.")
    var withIdentity = false

    func validate() throws {
        if identityDir != nil && withIdentity { throw ValidationError("give at most one of --identity-dir and --with-identity") }
    }

    /// The identity asked for, or nil; exits with a one-line error if it cannot be used.
    func load(required: Bool = false) -> DeviceIdentity? {
        do {
            if let identityDir { return try DeviceIdentity.load(directory: URL(fileURLWithPath: identityDir)) }
            if withIdentity || required { return try Self.generate(name: "rafiki-dhtnode") }
            return nil
        } catch {
            NodeSession.fail("identity: \(error)", status: .failed)
        }
    }

    /// A self-signed RSA-4096 identity, what OpenDHT's `generateIdentity` makes.
    static func generate(name: String, bits: Int = 4096) throws(IdentityError) -> DeviceIdentity {
        let key = try RSAPrivateKey.generate(bits: bits)
        let cert = try JamiCertificates.selfSignedCA(key: key, commonName: name)
        return DeviceIdentity(key: key, chain: CertificateChain([cert]))
    }
}

/// How `get` and `listen` read: with which identity, and whether to check values at all.
struct ReadingOptions: ParsableArguments {
    @OptionGroup var identity: IdentityOptions

    @Flag(help: "Print values as stored, without checking signatures or decrypting.")
    var raw = false
}

/// `gen-identity`: write a fresh identity folder.
struct GenIdentity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen-identity", abstract: "Write key.pem and cert.pem (a self-signed RSA identity) into a folder.")

    @Option(help: "Output folder (created 0700; files are 0600).") var out: String
    @Option(help: "Certificate common name.") var name = "rafiki-dhtnode"
    @Option(help: "RSA key size.") var bits = 4096

    func validate() throws {
        guard RSAPrivateKey.acceptedBits.contains(bits) else { throw ValidationError("--bits must be 2048...8192") }
    }

    func run() async throws {
        do {
            let identity = try IdentityOptions.generate(name: name, bits: bits)
            try identity.write(directory: URL(fileURLWithPath: out))
            var l = JSONLine(event: "identity")
            l.add("dir", out)
            l.add("pk_id", identity.shortID.hex)
            l.add("long_id", identity.longID.hex)
            l.add("bits", bits)
            l.emit()
        } catch {
            NodeSession.fail("\(error)", status: .failed)
        }
    }
}
