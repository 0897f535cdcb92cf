import ArgumentParser
import DHT
import DHTTransport
import SecureDHT

/// `listen`: print values as they arrive under a key.
struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print values under a key as they arrive (and expire).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: KeyOptions

    @Option(help: "Seconds to listen.")
    var duration: Double = 20

    @Option(help: "Stop after this many values.")
    var count: Int?

    @Option(help: "Exit with code 3 if fewer values than this arrived.")
    var expect: Int?

    @OptionGroup var reading: ReadingOptions

    func run() async throws {
        let session = await NodeSession.start(global, defaultPort: 0, identity: reading.identity.load())
        let node = session.secure
        let key = target.infoHash
        let events: any AsyncSequence<ListenEvent, Never> & Sendable = reading.raw ? session.node.listen(key) : node.listen(key)
        var l = JSONLine(event: "listening")
        l.add("key", key.hex)
        l.add("duration", .double(duration))
        l.emit()
        let limit = count
        // The listener returns its count when the limit is reached or, once cancelled because
        // the duration ran out, when its stream ends.
        let total = await withTaskGroup(of: Int.self) { group in
            group.addTask {
                var n = 0
                for await event in events {
                    switch event {
                    case .added(let v):
                        n += 1
                        JSONLine.value(v, key: key, withType: false, expired: false).emit()
                        if let limit, n >= limit { return n }
                    case .expired(let id):
                        var e = JSONLine(event: "expired")
                        e.add("key", key.hex)
                        e.add("id", String(id))
                        e.emit()
                    }
                }
                return n
            }
            group.addTask { [duration] in
                try? await Task.sleep(for: .seconds(duration))
                return 0
            }
            _ = await group.next()
            group.cancelAll()
            var seen = 0
            for await n in group { seen = max(seen, n) }
            return seen
        }
        await node.shutdown()
        var done = JSONLine(event: "done")
        done.add("key", key.hex)
        done.add("count", total)
        done.emit()
        if let expect, total < expect { throw ExitCode(ExitStatus.fewerThanExpected.rawValue) }
    }
}
