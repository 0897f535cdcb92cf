import DHT
import Foundation
import Identity
import SecureDHT

/// Our account creation as `rafiki account create` does it: keys, chain and the account folder.
enum AccountCreation {
    static func ours(count: Int, in folder: URL, verbose: Bool = false) async throws -> [Double] {
        let store = AccountStore(root: folder)
        var times: [Double] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            let (archive, device) = try await AccountFactory.create()
            let made = ContinuousClock.now
            try store.save(archive, password: nil, device: device, deviceName: "bench")
            times.append(Self.seconds(ContinuousClock.now - start))
            if verbose { print(String(format: "  keys+chain %.3f s, folder %.3f s", seconds(made - start), seconds(ContinuousClock.now - made))) }
        }
        return times
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// Median cost of each SecureDHT operation on one value, in microseconds.
struct ValueCosts {
    let key: RSAPrivateKey
    let body: [UInt8], signature: [UInt8], plaintext: [UInt8]
    var sign = 0.0, verify = 0.0, encrypt = 0.0, decrypt = 0.0

    init(rounds: Int) throws {
        key = try RSAPrivateKey.generate(bits: 4096)
        let value = Value(id: 1, type: 3, data: [UInt8](repeating: 0x61, count: 200), userType: "text/plain")
        let signed = try value.signed(by: key)
        body = signed.bodyBytes()
        signature = signed.signature
        plaintext = (0..<1024).map { UInt8(truncatingIfNeeded: $0) }
        let (key, plaintext) = (self.key, self.plaintext)
        sign = try Self.median(rounds) { _ = try value.signed(by: key) }
        verify = try Self.median(rounds) { try signed.verifySignature() }
        encrypt = try Self.median(rounds) { _ = try HybridCipher.seal(plaintext, to: key.publicKey) }
        let cypher = try HybridCipher.seal(plaintext, to: key.publicKey)
        decrypt = try Self.median(rounds) { _ = try HybridCipher.open(cypher, with: key) }
    }

    static func median(_ rounds: Int, _ body: () throws -> Void) throws -> Double {
        var xs: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            try body()
            xs.append(AccountCreation.seconds(ContinuousClock.now - start) * 1e6)
        }
        return xs.median
    }
}

/// The reference peers, run through the scripts in `Scripts/interop`.
enum Reference {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let harness = repository.deletingLastPathComponent().appendingPathComponent("shared/peers/jamid")

    static func jamidAccounts(count: Int, workdir: URL) throws -> [Double] {
        let out = try script("jamid_account_bench.py", ["--harness", harness.path, "--workdir", workdir.path, "--count", String(count)])
        return (out["created_s"] as? [Double]) ?? []
    }

    static func openDHTCrypto(_ costs: ValueCosts, rounds: Int, in folder: URL) throws -> [String: Double] {
        let files = ["key": Array(costs.key.pkcs8PEM.utf8), "body": costs.body, "signature": costs.signature, "plaintext": costs.plaintext]
        var args: [String] = []
        for (name, bytes) in files {
            let url = folder.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            args += ["--\(name)", url.path]
        }
        return (try script("opendht_crypto_bench.py", args + ["--rounds", String(rounds)]) as? [String: Double]) ?? [:]
    }

    private static func script(_ name: String, _ arguments: [String]) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [repository.appendingPathComponent("Scripts/interop/\(name)").path] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        return (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
    }
}
