import ArgumentParser
import DHT
import DHTTransport
import FoundationEssentials

/// `put`: store one value.
struct Put: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Store a value under a key.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: KeyOptions

    @OptionGroup var payload: DataOptions

    @Option(help: "Value type id (0 = user data).")
    var type: UInt16 = 0

    @Option(name: .customLong("user-type"), help: "The value's user type ('utype').")
    var userType = ""

    @Option(help: "Value id (default: random).")
    var id: UInt64 = 0

    @Flag(help: "Re-announce the value before it expires, for as long as --linger keeps the node up.")
    var permanent = false

    @Option(help: "Stay up this many seconds after the put.")
    var linger: Double = 0

    func run() async throws {
        let node = await NodeSession.start(global, defaultPort: 0).node
        let value = Value(id: id == 0 ? UInt64.random(in: 1...UInt64.max) : id, type: type, data: payload.bytes, userType: userType)
        let stored = (try? await node.put(target.infoHash, value, permanent: permanent)) ?? 0
        var l = JSONLine(event: "put")
        l.add("ok", stored > 0)
        l.add("key", target.infoHash.hex)
        l.add("id", String(value.id))
        l.add("id_hex", JSONLine.hex16(value.id))
        l.add("type", Int(type))
        l.add("stored_on", stored)
        l.emit()
        if linger > 0 { try? await Task.sleep(for: .seconds(linger)) }
        await node.shutdown()
        throw ExitCode(stored > 0 ? ExitStatus.ok.rawValue : ExitStatus.failed.rawValue)
    }
}

/// `--data` / `--data-hex`: a value's payload.
struct DataOptions: ParsableArguments {
    @Option(help: "Value data as UTF-8 text.")
    var data: String?

    @Option(name: .customLong("data-hex"), help: "Value data as hex.")
    var dataHex: String?

    func validate() throws {
        guard (data == nil) != (dataHex == nil) else { throw ValidationError("give exactly one of --data or --data-hex") }
        if let dataHex, Hex.decode(dataHex) == nil { throw ValidationError("--data-hex is not valid hex") }
        if bytes.count > Value.maxPayloadSize { throw ValidationError("value data is over 64 KiB") }
    }

    var bytes: [UInt8] { data.map { Array($0.utf8) } ?? Hex.decode(dataHex ?? "") ?? [] }
}

enum Hex {
    static func decode(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        for i in stride(from: 0, to: u.count, by: 2) {
            guard let b = UInt8(String(decoding: u[i...i + 1], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }
}
