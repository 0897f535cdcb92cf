import Foundation
import GRDB

extension MessageIndex {
    /// Most messages one page returns.
    public static let maxPage = 500

    /// Up to `limit` messages of `conversation` before the message `before` (the newest when
    /// nil), oldest first. O(log n + limit) on the (conversation, seq) index.
    public func messages(in conversation: String, before: String? = nil, limit: Int = 50) throws(MessageIndexError) -> [IndexedMessage] {
        let limit = min(max(limit, 1), Self.maxPage)
        return try read { db in
            var bound = Int64.max
            if let before {
                guard let s = try Int64.fetchOne(db, sql: "SELECT seq FROM messages WHERE conversation = ? AND id = ?", arguments: [conversation, before]) else { return [] }
                bound = s
            }
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE conversation = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                                        arguments: [conversation, bound, limit])
            return try Self.messages(rows.reversed(), db: db)
        }
    }

    /// One message, or nil.
    public func message(_ id: String, in conversation: String) throws(MessageIndexError) -> IndexedMessage? {
        try read { db in
            try Self.messages(try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE conversation = ? AND id = ?", arguments: [conversation, id]), db: db).first
        }
    }

    /// The messages of one `type` in `conversation` (its files, say), oldest first, at most
    /// `limit`. O(log n + found) on the (conversation, type, seq) index.
    public func messages(ofType type: String, in conversation: String, limit: Int = 10_000) throws(MessageIndexError) -> [IndexedMessage] {
        try read { db in
            try Self.messages(try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE conversation = ? AND type = ? ORDER BY seq LIMIT ?",
                                               arguments: [conversation, type, limit]), db: db)
        }
    }

    /// The position of `id` in `conversation` (nil if not indexed).
    public func seq(of id: String, in conversation: String) throws(MessageIndexError) -> Int64? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM messages WHERE conversation = ? AND id = ?", arguments: [conversation, id]) }
    }

    /// How many messages after `seq` were written by others than `account` (unread counts).
    public func count(in conversation: String, after seq: Int64, notBy account: String) throws(MessageIndexError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM messages WHERE conversation = ? AND seq > ? AND author != ? AND type = 'text/plain'",
                             arguments: [conversation, seq, account]) ?? 0
        }
    }

    /// Messages whose text matches every word of `text` (FTS5, case- and accent-insensitive),
    /// newest first; deleted ones are not found. Each word is quoted, so no input is read as
    /// FTS5 query syntax.
    public func search(_ text: String, in conversation: String? = nil, limit: Int = 50) throws(MessageIndexError) -> [IndexedMessage] {
        let words = text.split(whereSeparator: { $0.isWhitespace }).prefix(32)
        guard !words.isEmpty else { return [] }
        let query = words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
        let limit = min(max(limit, 1), Self.maxPage)
        return try read { db in
            var sql = "SELECT m.* FROM messages_fts f JOIN messages m ON m.rowid = f.rowid WHERE messages_fts MATCH ? AND m.deleted = 0"
            var arguments: StatementArguments = [query]
            if let conversation {
                sql += " AND m.conversation = ?"
                arguments += [conversation]
            }
            sql += " ORDER BY m.timestamp DESC, m.seq DESC LIMIT ?"
            arguments += [limit]
            return try Self.messages(try Row.fetchAll(db, sql: sql, arguments: arguments), db: db)
        }
    }

    /// Rows to messages, their reactions loaded in one query per conversation.
    static func messages(_ rows: [Row], db: Database) throws -> [IndexedMessage] {
        var reactions: [String: [IndexedMessage.Reaction]] = [:]
        let byConversation = Dictionary(grouping: rows, by: { $0["conversation"] as String })
        for (conversation, group) in byConversation {
            let ids = group.map { $0["id"] as String }
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let found = try Row.fetchAll(db, sql: "SELECT * FROM reactions WHERE conversation = ? AND target IN (\(marks)) ORDER BY seq",
                                         arguments: StatementArguments([conversation] + ids))
            for r in found {
                reactions[conversation + (r["target"] as String), default: []].append(IndexedMessage.Reaction(id: r["id"], author: r["author"], emoji: r["emoji"]))
            }
        }
        return rows.map { row in
            let conversation: String = row["conversation"], id: String = row["id"]
            let fields = (try? JSONDecoder().decode([String: String].self, from: Data((row["fields"] as String).utf8))) ?? [:]
            return IndexedMessage(id: id, conversation: conversation, seq: row["seq"], author: row["author"], device: row["device"],
                                  type: row["type"], body: row["body"], fields: fields, timestamp: row["timestamp"],
                                  replyTo: row["reply_to"], edited: row["edited"], deleted: row["deleted"],
                                  reactions: reactions[conversation + id] ?? [])
        }
    }
}
