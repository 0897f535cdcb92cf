import Foundation
import GRDB
import Identity

/// Invitations to group conversations (`application/invite+json`) waiting for an answer.
extension AccountDatabase {
    public struct ConversationRequest: Sendable, Equatable {
        public var conversation: String
        public var sender: PublicKeyID
        /// The device that sent it, which we clone from on accepting.
        public var device: PublicKeyID
        /// Seconds since 1970.
        public var received: Int64
        /// title, description, avatar, mode, … as the inviter sent them.
        public var metadata: [String: String]
    }

    /// At most this many wait; more are dropped (an invitation flood fills nothing).
    public static let maxConversationRequests = 200

    /// Stores `r` unless it is there or the limit is reached; returns whether it was stored.
    public func saveConversationRequest(_ r: ConversationRequest) throws(DaemonError) -> Bool {
        let json = String(decoding: (try? JSONEncoder().encode(r.metadata)) ?? Data("{}".utf8), as: UTF8.self)
        return try write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM conversation_requests") ?? 0 < Self.maxConversationRequests else { return false }
            try db.execute(sql: "INSERT OR IGNORE INTO conversation_requests (conversation, sender, device, received, metadata) VALUES (?, ?, ?, ?, ?)",
                           arguments: [r.conversation, r.sender.hex, r.device.hex, r.received, json])
            return db.changesCount > 0
        }
    }

    public func conversationRequests() throws(DaemonError) -> [ConversationRequest] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM conversation_requests ORDER BY received").compactMap { row in
                guard let sender = PublicKeyID(hex: row["sender"] as String), let device = PublicKeyID(hex: row["device"] as String) else { return nil }
                let metadata = (try? JSONDecoder().decode([String: String].self, from: Data((row["metadata"] as String).utf8))) ?? [:]
                return ConversationRequest(conversation: row["conversation"], sender: sender, device: device, received: row["received"], metadata: metadata)
            }
        }
    }

    public func deleteConversationRequest(_ conversation: String) throws(DaemonError) {
        _ = try write { db in try db.execute(sql: "DELETE FROM conversation_requests WHERE conversation = ?", arguments: [conversation]) }
    }
}
