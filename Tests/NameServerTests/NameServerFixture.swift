import Foundation
import HTTPServerLimits
import Identity
import Logging
import NameServer
import TestSupport
import ServiceLifecycle
import Testing

/// The two stores every server test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// Storage for one or more server runs, deleted by `cleanup`.
struct TestStorage {
    let storage: NameServerConfiguration.Storage
    let cleanup: @Sendable () async -> Void

    static func make(_ backend: Backend) async throws -> TestStorage {
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-ns-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return TestStorage(storage: .sqlite(path: dir.appendingPathComponent("names.sqlite").path)) {
                try? FileManager.default.removeItem(at: dir)
            }
        case .postgres:
            let server = try await ScratchPostgres.start()
            do {
                return TestStorage(storage: .postgres(server.configuration(database: try await server.newDatabase()))) { await server.stop() }
            } catch {
                await server.stop()
                throw error
            }
        }
    }
}

/// Runs a real name server on 127.0.0.1 (a free port) over `storage` while `body` runs, then
/// shuts it down gracefully.
func withNameServer<T: Sendable>(
    _ storage: NameServerConfiguration.Storage, rateLimit: RegistrationRateLimiter.Policy = .unlimited, cache: Int = 1000,
    connections: ConnectionLimits = .init(), logger: Logger? = nil, _ body: (String) async throws -> T
) async throws -> T {
    let logger = logger ?? {
        var logger = Logger(label: "test-nameserver")
        logger.logLevel = .warning
        return logger
    }()
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let app = try NameServerApplication.make(
        configuration: .init(host: "127.0.0.1", port: 0, storage: storage, rateLimit: rateLimit, cacheCapacity: cache, connections: connections),
        logger: logger
    ) { channel in
        portSink.yield(channel.localAddress?.port ?? 0)
    }
    let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    let running = Task { try await group.run() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw TestFailure("server did not start") }
    do {
        let result = try await body("http://127.0.0.1:\(port)")
        await group.triggerGracefulShutdown()
        try await running.value
        return result
    } catch {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        throw error
    }
}

/// Fresh storage of `backend`, one server on it, then cleanup.
func withNameServer<T: Sendable>(
    _ backend: Backend, rateLimit: RegistrationRateLimiter.Policy = .unlimited, cache: Int = 1000,
    connections: ConnectionLimits = .init(), logger: Logger? = nil, _ body: (String) async throws -> T
) async throws -> T {
    let storage = try await TestStorage.make(backend)
    do {
        let result = try await withNameServer(storage.storage, rateLimit: rateLimit, cache: cache, connections: connections, logger: logger, body)
        await storage.cleanup()
        return result
    } catch {
        await storage.cleanup()
        throw error
    }
}

/// Account keys for the tests: RSA-2048, to keep generation quick (the protocol does not care),
/// made once on a thread of their own.
enum TestKeys {
    private static let made = Task { try await onOwnThread { try (0..<24).map { _ in try RSAPrivateKey.generate(bits: 2048) } } }

    static func pool() async throws -> [RSAPrivateKey] { try await made.value }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
