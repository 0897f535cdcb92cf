import Foundation
import GRDB
import Swarm

/// The messages of an account's conversations in SQLite (`messages.sqlite`), for paging and
/// full-text search (FTS5). Derived data: the git repositories are the truth, and a missing,
/// damaged or outdated index is rebuilt from them (``update(_:)`` on each conversation).
///
/// Each conversation's indexed tip is kept; ``update(_:)`` walks only the commits after it
/// (O(new commits)), reads them from git outside any transaction, then applies them in one
/// write transaction, so the index never holds half of a fetch.
public final class MessageIndex: Sendable {
    /// Its name in the account folder.
    public static let fileName = "messages.sqlite"
    let queue: DatabaseQueue

    /// Opens (or creates) the index at `path`. A file that cannot be opened or migrated is
    /// deleted and started again: everything in it can be rebuilt from the repositories.
    public init(path: String) throws(MessageIndexError) {
        do {
            queue = try Self.open(path)
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            do { queue = try Self.open(path) } catch { throw MessageIndexError("cannot open \(path): \(error)") }
        }
    }

    /// An index in memory (the simulation, tests).
    public init() throws(MessageIndexError) {
        do {
            queue = try DatabaseQueue()
            try Self.migrator.migrate(queue)
        } catch {
            throw MessageIndexError("cannot open an in-memory index: \(error)")
        }
    }

    private static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try migrator.migrate(queue)
        return queue
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE conversations (
                    id TEXT PRIMARY KEY NOT NULL, tip TEXT NOT NULL, next_seq INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE messages (
                    rowid INTEGER PRIMARY KEY,
                    conversation TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,
                    author TEXT NOT NULL, device TEXT NOT NULL, type TEXT NOT NULL,
                    body TEXT NOT NULL, fields TEXT NOT NULL, timestamp INTEGER NOT NULL,
                    reply_to TEXT, edited INTEGER, deleted INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (conversation, id)
                );
                CREATE INDEX messages_by_seq ON messages (conversation, seq);
                CREATE TABLE reactions (
                    conversation TEXT NOT NULL, id TEXT NOT NULL, target TEXT NOT NULL,
                    author TEXT NOT NULL, emoji TEXT NOT NULL, seq INTEGER NOT NULL,
                    PRIMARY KEY (conversation, id)
                ) WITHOUT ROWID;
                CREATE INDEX reactions_by_target ON reactions (conversation, target);
                CREATE VIRTUAL TABLE messages_fts USING fts5(
                    body, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
                CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
                    INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
                END;
                CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
                    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
                END;
                CREATE TRIGGER messages_au AFTER UPDATE OF body ON messages BEGIN
                    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
                    INSERT INTO messages_fts(rowid, body) VALUES (new.rowid, new.body);
                END;
                """)
        }
        // Files are listed by type (`rafiki file list`): O(log n + files) instead of a scan.
        m.registerMigration("v2") { db in
            try db.execute(sql: "CREATE INDEX messages_by_type ON messages (conversation, type, seq)")
        }
        return m
    }
}

/// The index could not be read or written (SQLite's message), or a repository could not be read.
public struct MessageIndexError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
