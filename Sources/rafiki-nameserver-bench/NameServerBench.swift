import ArgumentParser
import AsyncHTTPClient
import Foundation
import Identity
import Logging
import NameServer
import NameService
import NIOCore
import PostgresNIO
import TestSupport

/// `rafiki-nameserver-bench`: lookups/s (wrk, another process) and registrations/s against
/// `rafiki-nameserver`, with SQLite and with PostgreSQL, in one run.
///
/// No reference figure is printed beside ours: Jami's reference server (ring-nameservice) needs
/// Node.js packages and an Ethereum node that cannot be installed here. Ratios are against the
/// issue's aim of 20,000 lookups/s instead.
@main
struct NameServerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafiki-nameserver-bench", abstract: "Measure rafiki-nameserver with SQLite and PostgreSQL.")

    @Option(help: "Names registered before the lookups (looked up at random).") var names = 20_000
    @Option(help: "Signed registrations sent through HTTP (each needs its own RSA-2048 key).") var registrations = 200
    @Option(help: "Seconds of wrk per measurement.") var duration = 10
    @Option(help: "wrk connections.") var connections = 64
    @Option(help: "wrk threads.") var threads = 1
    @Option(help: "Backends, comma-separated.") var backends = "sqlite,postgres"

    func run() async throws {
        let server = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rafiki-nameserver").path
        guard FileManager.default.isExecutableFile(atPath: server) else { throw BenchError("build rafiki-nameserver first (swift build -c release)") }
        print("preparing \(registrations) RSA-2048 keys and signed registrations…")
        let bodies = try await Registrations.signedBodies(count: registrations)
        print("backend   | cache | lookups/s | p50 ms | p99 ms | errors | vs 20k aim")
        var registrationRows: [String] = []
        for backend in backends.split(separator: ",").map(String.init) {
            let scratch = try await Scratch(backend: backend)
            do {
                try await scratch.populate(Registrations.synthetic(count: names))
                for cache in [100_000, 0] {
                    let process = try ServerProcess(executable: server, arguments: scratch.serverArguments + ["--cache", "\(cache)", "--registration-burst", "0"])
                    defer { process.stop() }
                    // Steady state: a long-running server has its working set cached (records never
                    // change, so the cache never needs refreshing); this pass touches every name.
                    if cache > 0 {
                        _ = try Wrk.lookups(url: process.url, names: names, seconds: max(3, names / 4000), connections: 8, threads: 1, sequential: true)
                    }
                    let r = try Wrk.lookups(url: process.url, names: names, seconds: duration, connections: connections, threads: threads)
                    print(String(format: "%@ | %@ | %9.0f | %6.3f | %6.3f | %6d | %.2f",
                                 pad(backend, 9), pad(cache > 0 ? "on" : "off", 5), r.requestsPerSecond, r.p50, r.p99, r.errors, r.requestsPerSecond / 20_000))
                }
                let process = try ServerProcess(executable: server, arguments: scratch.serverArguments + ["--registration-burst", "0"])
                let reg = try await Registrations.send(bodies, to: process.url, concurrency: 16)
                process.stop()
                registrationRows.append(String(format: "%@ | %15.0f | %6.2f | %6.2f | %d/%d", pad(backend, 9), reg.perSecond, reg.p50, reg.p99, reg.succeeded, bodies.count))
            } catch {
                await scratch.cleanup()
                throw error
            }
            await scratch.cleanup()
        }
        print("\nbackend   | registrations/s | p50 ms | p99 ms | succeeded")
        registrationRows.forEach { print($0) }
    }
}

func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: max(width, s.count), withPad: " ", startingAt: 0) }

/// One backend's storage for the run.
struct Scratch {
    let serverArguments: [String]
    let store: @Sendable ([NameRecord]) async throws -> Int
    let cleanup: @Sendable () async -> Void

    init(backend: String) async throws {
        switch backend {
        case "sqlite":
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-ns-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let path = dir.appendingPathComponent("names.sqlite").path
            serverArguments = ["--database", path]
            store = { records in try await SQLiteNameStore(path: path).importRecords(records) }
            cleanup = { try? FileManager.default.removeItem(at: dir) }
        case "postgres":
            let pg = try await ScratchPostgres.start()
            let database = try await pg.newDatabase()
            serverArguments = ["--postgres", pg.url(database: database)]
            store = { records in
                let client = PostgresClient(configuration: pg.configuration(database: database))
                return try await withThrowingTaskGroup(of: Int.self) { group in
                    group.addTask { await client.run(); return 0 }
                    let store = PostgresNameStore(client: client, logger: Logger(label: "bench"))
                    try await store.migrate()
                    let n = try await store.importRecords(records)
                    group.cancelAll()
                    return n
                }
            }
            cleanup = { await pg.stop() }
        default:
            throw BenchError("unknown backend \(backend) (sqlite or postgres)")
        }
    }

    func populate(_ records: [NameRecord]) async throws {
        let stored = try await store(records)
        guard stored == records.count else { throw BenchError("stored \(stored) of \(records.count) names") }
    }
}
