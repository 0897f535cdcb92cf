import Foundation
import GRDB
import Swarm

/// What an update did, for the events the daemon sends.
public enum IndexChange: Sendable, Equatable {
    /// A new message (its commit id).
    case added(String)
    /// An earlier message was edited, deleted or reacted to (its commit id).
    case changed(String)
}

extension MessageIndex {
    /// Brings `repository`'s messages up to its `main`: the commits after the indexed tip, in
    /// topological order (an edit or reaction always comes after its target, which it descends
    /// from). When `main` does not descend from the indexed tip, the conversation is indexed again.
    @discardableResult
    public func update(_ repository: ConversationRepository) throws(MessageIndexError) -> [IndexChange] {
        let conversation = repository.id.hex
        let head: ObjectID
        do { head = try repository.head } catch { throw MessageIndexError("\(conversation): \(error)") }
        var tip = try read { db in try String.fetchOne(db, sql: "SELECT tip FROM conversations WHERE id = ?", arguments: [conversation]) }
            .flatMap(ObjectID.init(hex:))
        if tip == head { return [] }
        if let t = tip, !repository.git.isDescendant(head, of: t) {
            try forget(conversation)
            tip = nil
        }
        let rows = try Self.projections(of: repository, from: head, after: tip)
        return try write { db in try Self.apply(rows, conversation: conversation, head: head.hex, db: db) }
    }

    /// Drops a conversation's rows (it was left, or is indexed again).
    public func forget(_ conversation: String) throws(MessageIndexError) {
        try write { db in
            for table in ["messages", "reactions"] { try db.execute(sql: "DELETE FROM \(table) WHERE conversation = ?", arguments: [conversation]) }
            try db.execute(sql: "DELETE FROM conversations WHERE id = ?", arguments: [conversation])
        }
    }

    struct Pending {
        let id: String, author: String, device: String, timestamp: Int64
        let projection: CommitProjection
    }

    /// Reads the new commits from git: who wrote each (the account behind its device
    /// certificate, looked up once per device) and what it does.
    static func projections(of repository: ConversationRepository, from head: ObjectID, after tip: ObjectID?) throws(MessageIndexError) -> [Pending] {
        do {
            var accounts: [String: String] = [:]
            return try repository.git.walk(from: [head], hiding: tip.map { [$0] } ?? [], oldestFirst: true).map { (id) throws(SwarmError) -> Pending in
                let git = try repository.git.commit(id)
                let device = git.authorEmail
                let account = accounts[device] ?? repository.account(ofDevice: device, in: git.tree) ?? ""
                accounts[device] = account
                let projection = (try? SwarmCommit(git)).map { CommitProjection($0.message) } ?? .none
                return Pending(id: id.hex, author: account, device: device, timestamp: git.time, projection: projection)
            }
        } catch {
            throw MessageIndexError("reading \(repository.id): \(error)")
        }
    }

    /// One write transaction; the statements are prepared once per connection (GRDB's cache),
    /// not per row: a 10,000-commit clone is 10,000 executions of the same few statements.
    static func apply(_ rows: [Pending], conversation: String, head: String, db: Database) throws -> [IndexChange] {
        var seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT next_seq FROM conversations WHERE id = ?"), arguments: [conversation]) ?? 1
        var changes: [IndexChange] = []
        for row in rows {
            switch row.projection {
            case .none:
                continue
            case .message(let type, let body, let fields, let replyTo):
                let json = String(decoding: try JSONEncoder.sorted.encode(fields), as: UTF8.self)
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO messages (conversation, id, seq, author, device, type, body, fields, timestamp, reply_to)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [conversation, row.id, seq, row.author, row.device, type, body, json, row.timestamp, replyTo])
                if db.changesCount > 0 { changes.append(.added(row.id)) }
            case .reaction(let target, let emoji):
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO reactions (conversation, id, target, author, emoji, seq) VALUES (?, ?, ?, ?, ?, ?)").execute(arguments: [conversation, row.id, target, row.author, emoji, seq])
                if db.changesCount > 0 { changes.append(.changed(target)) }
            case .edit(let target, let body):
                // Only the author's own text (the validator refuses other edits; the index does
                // not rely on it), or the author's own reaction, taken back by an empty body.
                try db.cachedStatement(sql: "UPDATE messages SET body = ?, edited = ?, deleted = ? WHERE conversation = ? AND id = ? AND author = ?").execute(arguments: [body, row.timestamp, body.isEmpty, conversation, target, row.author])
                if db.changesCount > 0 {
                    changes.append(.changed(target))
                } else if let reacted = try String.fetchOne(db.cachedStatement(sql: "SELECT target FROM reactions WHERE conversation = ? AND id = ? AND author = ?"), arguments: [conversation, target, row.author]) {
                    if body.isEmpty {
                        try db.cachedStatement(sql: "DELETE FROM reactions WHERE conversation = ? AND id = ?").execute(arguments: [conversation, target])
                    } else {
                        try db.cachedStatement(sql: "UPDATE reactions SET emoji = ? WHERE conversation = ? AND id = ?").execute(arguments: [body, conversation, target])
                    }
                    changes.append(.changed(reacted))
                }
            }
            seq += 1
        }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO conversations (id, tip, next_seq) VALUES (?, ?, ?)").execute(arguments: [conversation, head, seq])
        return changes
    }

    func read<T>(_ body: (Database) throws -> T) throws(MessageIndexError) -> T {
        do { return try queue.read(body) } catch { throw MessageIndexError("\(error)") }
    }

    func write<T>(_ body: (Database) throws -> T) throws(MessageIndexError) -> T {
        do { return try queue.write(body) } catch { throw MessageIndexError("\(error)") }
    }
}

extension JSONEncoder {
    /// Keys sorted, so one commit's fields are always the same text.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
