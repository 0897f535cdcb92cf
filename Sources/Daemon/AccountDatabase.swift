import Contacts
import Foundation
import GRDB
import Identity

/// One account's state in an SQLite file in its folder (`rafiki.sqlite`): contacts, pending
/// requests, our requests still being delivered, known devices, the last presence seen and
/// settings. Every change is one transaction, so a crash leaves the previous or the next state,
/// never half of one.
///
/// GRDB's `DatabaseQueue` is one connection; the writes are small (a row or two), so they run on
/// the caller's thread. The journal is a WAL with `synchronous=NORMAL`: a commit appends to the
/// log without waiting for the disk (a power cut may lose the last few changes, never consistency),
/// which keeps a received request from waiting on fsync.
public final class AccountDatabase: Sendable {
    /// Its name in the account folder.
    public static let fileName = "rafiki.sqlite"
    private let queue: DatabaseQueue

    public init(path: String) throws(DaemonError) {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw .storage("cannot open \(path): \(error)")
        }
    }

    private init(queue: DatabaseQueue) throws(DaemonError) {
        self.queue = queue
        do { try Self.migrator.migrate(queue) } catch { throw .storage("cannot prepare the database: \(error)") }
    }

    /// A database in memory, gone with the object: for the simulation, which runs a thousand
    /// accounts in one process.
    public static func inMemory() throws(DaemonError) -> AccountDatabase {
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue() } catch { throw .storage("cannot open an in-memory database: \(error)") }
        return try AccountDatabase(queue: queue)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE contacts (
                    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 40),
                    added INTEGER NOT NULL, removed INTEGER NOT NULL,
                    confirmed INTEGER NOT NULL, banned INTEGER NOT NULL,
                    conversation_id TEXT NOT NULL,
                    display_name TEXT
                ) WITHOUT ROWID;
                CREATE TABLE requests (
                    sender TEXT PRIMARY KEY NOT NULL CHECK (length(sender) = 40),
                    device TEXT NOT NULL, conversation_id TEXT NOT NULL,
                    received INTEGER NOT NULL, payload BLOB NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX requests_by_time ON requests (received, sender);
                CREATE TABLE devices (
                    account TEXT NOT NULL, device TEXT NOT NULL, chain TEXT NOT NULL,
                    last_seen INTEGER NOT NULL,
                    PRIMARY KEY (account, device)
                ) WITHOUT ROWID;
                CREATE TABLE presence (
                    account TEXT PRIMARY KEY NOT NULL, online INTEGER NOT NULL, changed INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE inbox_seen (value_id INTEGER PRIMARY KEY NOT NULL, seen INTEGER NOT NULL);
                CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v2") { db in
            // last_seen: the last time the account was known to be online (NULL: never).
            try db.execute(sql: """
                ALTER TABLE presence ADD COLUMN last_seen INTEGER;
                UPDATE presence SET last_seen = changed;
                """)
        }
        m.registerMigration("v3") { db in
            // Our request to each device of a peer, sealed, put again until they answer.
            try db.execute(sql: """
                CREATE TABLE outgoing (
                    peer TEXT NOT NULL CHECK (length(peer) = 40), device TEXT NOT NULL CHECK (length(device) = 40),
                    value BLOB NOT NULL, attempts INTEGER NOT NULL, next_attempt INTEGER NOT NULL,
                    PRIMARY KEY (peer, device)
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v4") { db in
            // Per conversation and member: the last commit it read (IMDN, or us) and the last it
            // fetched from us. Local state, not in the repositories, so not in the message index.
            try db.execute(sql: """
                CREATE TABLE conversation_requests (
                    conversation TEXT PRIMARY KEY NOT NULL, sender TEXT NOT NULL, device TEXT NOT NULL,
                    received INTEGER NOT NULL, metadata TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE conversation_positions (
                    conversation TEXT NOT NULL, member TEXT NOT NULL, kind TEXT NOT NULL, commit_id TEXT NOT NULL,
                    PRIMARY KEY (conversation, member, kind)
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v5") { db in
            // Others' profiles (vCards) as their devices pushed them, and the digest of our
            // profile each device last received (pushed again only when it changed).
            try db.execute(sql: """
                CREATE TABLE profiles (
                    account TEXT PRIMARY KEY NOT NULL CHECK (length(account) = 40), vcard BLOB NOT NULL, received INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE profile_pushes (device TEXT PRIMARY KEY NOT NULL, digest TEXT NOT NULL) WITHOUT ROWID;
                """)
        }
        return m
    }

    func write<T>(_ body: (Database) throws -> T) throws(DaemonError) -> T {
        do { return try queue.write(body) } catch let e as DaemonError { throw e } catch { throw .storage("\(error)") }
    }

    func read<T>(_ body: (Database) throws -> T) throws(DaemonError) -> T {
        do { return try queue.read(body) } catch let e as DaemonError { throw e } catch { throw .storage("\(error)") }
    }

    // MARK: contacts

    public func contact(_ id: PublicKeyID) throws(DaemonError) -> Contact? {
        try read { db in try Self.contact(id, in: db) }
    }

    static func contact(_ id: PublicKeyID, in db: Database) throws -> Contact? {
        try Row.fetchOne(db, sql: "SELECT * FROM contacts WHERE id = ?", arguments: [id.hex]).map(contact)
    }

    /// Every contact record (active, removed and banned), with its display name.
    public func contacts() throws(DaemonError) -> [(PublicKeyID, Contact, String?)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM contacts ORDER BY id").compactMap { row in
                PublicKeyID(hex: row["id"] as String).map { ($0, Self.contact(row), row["display_name"]) }
            }
        }
    }

    func saveContact(_ id: PublicKeyID, _ c: Contact, displayName: String? = nil, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO contacts (id, added, removed, confirmed, banned, conversation_id, display_name) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET added = excluded.added, removed = excluded.removed, confirmed = excluded.confirmed,
                banned = excluded.banned, conversation_id = excluded.conversation_id,
                display_name = coalesce(excluded.display_name, display_name)
            """, arguments: [id.hex, c.added, c.removed, c.confirmed, c.banned, c.conversationId, displayName])
    }

    static func contact(_ row: Row) -> Contact {
        Contact(added: row["added"], removed: row["removed"], confirmed: row["confirmed"], banned: row["banned"], conversationId: row["conversation_id"])
    }

    // MARK: requests

    public func request(from id: PublicKeyID) throws(DaemonError) -> IncomingRequest? {
        try read { db in try Self.request(from: id, in: db) }
    }

    static func request(from id: PublicKeyID, in db: Database) throws -> IncomingRequest? {
        try Row.fetchOne(db, sql: "SELECT * FROM requests WHERE sender = ?", arguments: [id.hex]).flatMap(request)
    }

    /// Pending requests, oldest first, `limit` at a time after the one from `after` (keyset paging).
    public func requests(limit: Int, after: (received: Int64, sender: PublicKeyID)? = nil) throws(DaemonError) -> [IncomingRequest] {
        try read { db in
            if let after {
                return try Row.fetchAll(db, sql: "SELECT * FROM requests WHERE (received, sender) > (?, ?) ORDER BY received, sender LIMIT ?",
                                        arguments: [after.received, after.sender.hex, limit]).compactMap(Self.request)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM requests ORDER BY received, sender LIMIT ?", arguments: [limit]).compactMap(Self.request)
        }
    }

    public func requestCount() throws(DaemonError) -> Int {
        try read { db in try Self.requestCount(in: db) }
    }

    static func requestCount(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM requests") ?? 0
    }

    func saveRequest(_ r: IncomingRequest, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO requests (sender, device, conversation_id, received, payload) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (sender) DO UPDATE SET device = excluded.device, conversation_id = excluded.conversation_id, payload = excluded.payload
            """, arguments: [r.from.hex, r.device.hex, r.conversationId, r.received, Data(r.payload)])
    }

    func deleteRequest(from id: PublicKeyID, in db: Database) throws {
        try db.execute(sql: "DELETE FROM requests WHERE sender = ?", arguments: [id.hex])
    }

    static func request(_ row: Row) -> IncomingRequest? {
        guard let from = PublicKeyID(hex: row["sender"] as String), let device = PublicKeyID(hex: row["device"] as String) else { return nil }
        let payload: Data = row["payload"]
        return IncomingRequest(from: from, device: device, conversationId: row["conversation_id"], received: row["received"], payload: Array(payload))
    }

    // MARK: inbox de-duplication

    /// Records an inbox value id; false when it was already handled (values live for days and
    /// come back on every restart).
    public func markInboxValueSeen(_ id: UInt64, now: Int64) throws(DaemonError) -> Bool {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO inbox_seen (value_id, seen) VALUES (?, ?)", arguments: [Int64(bitPattern: id), now])
            return db.changesCount == 1
        }
    }

    public func hasSeenInboxValue(_ id: UInt64) throws(DaemonError) -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM inbox_seen WHERE value_id = ?", arguments: [Int64(bitPattern: id)]) ?? false }
    }

    /// Forgets ids older than a trust request's lifetime (7 days), after which the values are gone.
    public func pruneInbox(before: Int64) throws(DaemonError) {
        _ = try write { db in try db.execute(sql: "DELETE FROM inbox_seen WHERE seen < ?", arguments: [before]) }
    }

    // MARK: devices, presence, settings

    public func saveDevice(account: PublicKeyID, device: PublicKeyID, chainPEM: String, seen: Int64) throws(DaemonError) {
        _ = try write { db in
            try db.execute(sql: """
                INSERT INTO devices (account, device, chain, last_seen) VALUES (?, ?, ?, ?)
                ON CONFLICT (account, device) DO UPDATE SET chain = excluded.chain, last_seen = excluded.last_seen
                """, arguments: [account.hex, device.hex, chainPEM, seen])
        }
    }

    /// The certificate chain (PEM) of a known device of `account`, nil when none is stored.
    public func deviceChain(of account: PublicKeyID, device: PublicKeyID) throws(DaemonError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT chain FROM devices WHERE account = ? AND device = ?", arguments: [account.hex, device.hex]) }
    }

    /// Known devices of `account`: (device id, last seen).
    public func devices(of account: PublicKeyID) throws(DaemonError) -> [(PublicKeyID, Int64)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT device, last_seen FROM devices WHERE account = ? ORDER BY device", arguments: [account.hex])
                .compactMap { row in PublicKeyID(hex: row["device"] as String).map { ($0, row["last_seen"]) } }
        }
    }

    /// Records `account` seen online (or going offline) at `at`; both mean it was online until then.
    public func savePresence(_ account: PublicKeyID, online: Bool, at: Int64) throws(DaemonError) {
        _ = try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO presence (account, online, changed, last_seen) VALUES (?, ?, ?, ?)",
                           arguments: [account.hex, online, at, at])
        }
    }

    /// Moves `last_seen` of the accounts still online to `at` (when we stop following them).
    public func touchPresence(_ accounts: [PublicKeyID], at: Int64) throws(DaemonError) {
        _ = try write { db in
            for a in accounts { try db.execute(sql: "UPDATE presence SET last_seen = ? WHERE account = ? AND online", arguments: [at, a.hex]) }
        }
    }

    /// The last presence recorded per account: whether it was online when last heard of, when
    /// that changed, and when it was last known online. Stored rows say nothing about now: the
    /// runtime reports an account online only once this run's DHT listen has seen it.
    public func presence() throws(DaemonError) -> [PublicKeyID: StoredPresence] {
        try read { db in
            var out: [PublicKeyID: StoredPresence] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM presence") {
                if let id = PublicKeyID(hex: row["account"] as String) {
                    out[id] = StoredPresence(online: row["online"], changed: row["changed"], lastSeen: row["last_seen"])
                }
            }
            return out
        }
    }

    public struct StoredPresence: Sendable, Equatable {
        public var online: Bool
        public var changed: Int64
        public var lastSeen: Int64?
    }

    public func setting(_ key: String) throws(DaemonError) -> [UInt8]? {
        try read { db in (try Data.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])).map { Array($0) } }
    }

    public func setSetting(_ key: String, _ value: [UInt8]) throws(DaemonError) {
        _ = try write { db in try db.execute(sql: "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", arguments: [key, Data(value)]) }
    }
}
