import Identity
import Logging
import NameService
import PostgresNIO

/// PostgreSQL store, for operators who run several name servers behind a load balancer: every
/// instance shares one database, and PostgreSQL's UNIQUE constraints decide between
/// registrations that reach different instances at once.
///
/// The `PostgresClient` must be running (it is a `Service`; the server puts it in its
/// `ServiceGroup`).
public final class PostgresNameStore: NameStore {
    private let client: PostgresClient
    private let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Creates the table if needed. Instances starting together serialize on an advisory lock:
    /// concurrent `CREATE TABLE IF NOT EXISTS` can otherwise fail in PostgreSQL.
    public func migrate() async throws(NameStoreError) {
        try await run("migration") { [logger] in
            try await client.withConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(7263540)", logger: logger)
                do {
                    try await connection.query("""
                        CREATE TABLE IF NOT EXISTS names (
                            name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 3 AND 32),
                            address TEXT NOT NULL UNIQUE CHECK (length(address) = 40),
                            public_key TEXT NOT NULL,
                            signature TEXT NOT NULL,
                            owner TEXT,
                            registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
                        )
                        """, logger: logger)
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(7263540)", logger: logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(7263540)", logger: logger)
            }
        }
    }

    public func record(named name: String) async throws(NameStoreError) -> NameRecord? {
        try await run("lookup") { [client, logger] in
            try await Self.first(client.query("SELECT name, address, public_key, signature, owner FROM names WHERE name = \(name)", logger: logger))
        }
    }

    public func record(for address: PublicKeyID) async throws(NameStoreError) -> NameRecord? {
        try await run("reverse lookup") { [client, logger] in
            try await Self.first(client.query("SELECT name, address, public_key, signature, owner FROM names WHERE address = \(address.hex)", logger: logger))
        }
    }

    public func register(_ record: NameRecord) async throws(NameStoreError) -> RegistrationOutcome {
        let inserted = try await run("registration") { [client, logger] in
            let rows = try await client.query("""
                INSERT INTO names (name, address, public_key, signature, owner)
                VALUES (\(record.name), \(record.address.hex), \(record.publicKey), \(record.signature), \(record.owner))
                ON CONFLICT DO NOTHING RETURNING name
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
        if inserted { return .registered }
        // The conflicting row is committed by now: READ COMMITTED gives each statement a fresh
        // snapshot, and the insert waited for any concurrent writer of the same key.
        guard let outcome = RegistrationOutcome.refusal(of: record, byName: try await self.record(named: record.name),
                                                        byAddress: try await self.record(for: record.address))
        else { throw NameStoreError("insert refused without a conflicting row") }
        return outcome
    }

    public func importRecords(_ records: [NameRecord]) async throws(NameStoreError) -> Int {
        try await run("import") { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                var stored = 0
                for r in records {
                    let rows = try await connection.query("""
                        INSERT INTO names (name, address, public_key, signature, owner)
                        VALUES (\(r.name), \(r.address.hex), \(r.publicKey), \(r.signature), \(r.owner))
                        ON CONFLICT DO NOTHING RETURNING name
                        """, logger: logger)
                    for try await _ in rows { stored += 1 }
                }
                return stored
            }
        }
    }

    public func count() async throws(NameStoreError) -> Int {
        try await run("count") { [client, logger] in
            for try await n in try await client.query("SELECT count(*) FROM names", logger: logger).decode(Int.self) { return n }
            return 0
        }
    }

    private static func first(_ rows: PostgresRowSequence) async throws -> NameRecord? {
        for try await (name, hex, publicKey, signature, owner) in rows.decode((String, String, String, String, String?).self) {
            guard let address = PublicKeyID(hex: hex) else { throw NameStoreError("corrupt row in names") }
            return NameRecord(name: name, address: address, publicKey: publicKey, signature: signature, owner: owner)
        }
        return nil
    }

    private func run<T>(_ what: String, _ body: () async throws -> T) async throws(NameStoreError) -> T {
        do {
            return try await body()
        } catch let e as NameStoreError {
            throw e
        } catch {
            logger.error("PostgreSQL \(what) failed", metadata: ["error": "\(String(reflecting: error))"])
            throw NameStoreError("PostgreSQL \(what) failed")
        }
    }
}
