import DaemonWire
import FileTransfer
import Foundation
import Identity
import Swarm
import SwarmIndex

// The message index kept up with the repositories, and the events it gives.
extension SwarmService {
    /// Indexes what is new in `conversation` and publishes it: `message.received` for each
    /// new message, `message.updated` for each edited or reacted one, `conversation.member`
    /// for member changes. An index failure is logged; the repository is unchanged by it and
    /// the next update (or ``catchUp()``) indexes the same commits again.
    /// More changes than this in one update are published as one `conversation.changed`.
    static let eventsPerUpdate = 100

    func indexed(_ conversation: ObjectID, publishing: Bool = true) {
        guard let r = try? repository(conversation) else { return }
        let changes: [IndexChange]
        do { changes = try index.update(r) } catch {
            context.logger.error("indexing a conversation failed", metadata: ["conversation": "\(conversation)", "reason": "\(error)"])
            return
        }
        if !changes.isEmpty { applyPendingReads(conversation) }
        guard publishing, !changes.isEmpty else { return }
        // A long history arriving at once (a catch-up, a clone) is one event, not thousands:
        // a client reloads the page it shows.
        guard changes.count <= Self.eventsPerUpdate else {
            context.emit(.conversationChanged) { e in
                e.conversationId = conversation.hex
                e.state = "synced"
                e.detail = "\(changes.count) messages added or changed"
            }
            return
        }
        let statuses = statusContext(conversation)
        for change in changes {
            let (id, kind): (String, DaemonEvent.Kind) = switch change {
            case .added(let id): (id, .messageReceived)
            case .changed(let id): (id, .messageUpdated)
            }
            guard let m = try? index.message(id, in: conversation.hex) else { continue }
            let view = statuses.view(m)
            context.emit(kind) { e in
                e.conversationId = conversation.hex
                e.message = view
            }
            if kind == .messageReceived, m.type == CommitMessage.Kind.dataTransfer, m.author != context.account.hex,
               let commit = ObjectID(hex: m.id), let offer = try? FileOffer(CommitMessage(type: m.type, fields: m.fields)) {
                fileOffered?(conversation, commit, offer)
            }
            if kind == .messageReceived, m.type == CommitMessage.Kind.member, let uri = m.fields["uri"], let peer = PublicKeyID(hex: uri) {
                context.emit(.memberChanged, peer: peer) { e in
                    e.conversationId = conversation.hex
                    e.state = m.fields["action"]
                }
            }
        }
    }

    // MARK: left conversations

    /// A file in the repository's folder says when we left (git ignores it).
    private func leftMarker(_ id: ObjectID) -> URL { folder.appendingPathComponent(id.hex).appendingPathComponent("rafiki-left") }

    func leftAt(_ id: ObjectID) -> Int64? {
        guard let text = try? String(contentsOf: leftMarker(id), encoding: .utf8) else { return nil }
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    func markLeft(_ id: ObjectID) {
        context.recording("leaving \(id)") { () throws(DaemonError) in
            do { try Data("\(now)\n".utf8).write(to: leftMarker(id), options: .atomic) } catch { throw .storage("\(error)") }
        }
    }

    /// The repository, its index rows and its positions, gone.
    func erase(_ id: ObjectID) {
        repositories[id] = nil
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(id.hex))
        try? index.forget(id.hex)
        try? context.database.forgetPositions(in: id.hex)
    }
}
