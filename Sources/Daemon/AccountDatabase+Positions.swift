import GRDB

/// How far each member of a conversation got: what it last read and what it last fetched
/// from us, the inputs of a message's status (sending, sent, displayed).
extension AccountDatabase {
    public enum PositionKind: String, Sendable { case read, fetched }

    /// member → commit id, for one kind, in `conversation`.
    public func positions(in conversation: String, _ kind: PositionKind) throws(DaemonError) -> [String: String] {
        try read { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT member, commit_id FROM conversation_positions WHERE conversation = ? AND kind = ?",
                                        arguments: [conversation, kind.rawValue]).map { ($0["member"] as String, $0["commit_id"] as String) },
                       uniquingKeysWith: { a, _ in a })
        }
    }

    public func setPosition(_ commit: String, of member: String, in conversation: String, _ kind: PositionKind) throws(DaemonError) {
        _ = try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO conversation_positions (conversation, member, kind, commit_id) VALUES (?, ?, ?, ?)",
                           arguments: [conversation, member, kind.rawValue, commit])
        }
    }

    public func forgetPositions(in conversation: String) throws(DaemonError) {
        _ = try write { db in try db.execute(sql: "DELETE FROM conversation_positions WHERE conversation = ?", arguments: [conversation]) }
    }
}
