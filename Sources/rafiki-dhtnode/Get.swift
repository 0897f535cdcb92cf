import ArgumentParser
import DHT
import DHTTransport
import SecureDHT

/// `get`: print every value stored under a key.
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the values stored under a key, one JSON line each.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: KeyOptions

    @Option(help: "Only values of this type (WHERE value_type = N).")
    var type: UInt16?

    @Option(help: "Exit with code 3 if fewer values than this were found.")
    var expect: Int?

    @OptionGroup var reading: ReadingOptions

    func run() async throws {
        let session = await NodeSession.start(global, defaultPort: 0, identity: reading.identity.load())
        let node = session.secure
        let key = target.infoHash
        let query = Query(where: type.map { [.valueType($0)] } ?? [])
        let withType = type != nil
        var ok = true
        var values: [Value] = []
        do {
            let print: @Sendable ([Value]) -> Void = { batch in
                for v in batch { JSONLine.value(v, key: key, withType: withType).emit() }
            }
            values = reading.raw ? try await session.node.get(key, query: query, onValues: print) : try await node.get(key, query: query, onValues: print)
        } catch {
            ok = false
        }
        var done = JSONLine(event: "done")
        done.add("ok", ok)
        done.add("key", key.hex)
        done.add("count", values.count)
        done.emit()
        await node.shutdown()
        if let expect, values.count < expect { throw ExitCode(ExitStatus.fewerThanExpected.rawValue) }
        throw ExitCode(ok || !values.isEmpty ? ExitStatus.ok.rawValue : ExitStatus.failed.rawValue)
    }
}
