import Foundation
import Identity
import Swarm
import SwarmIndex
import Testing

@Suite struct MessageIndexTests {
    /// Alice and Bob (RSA-2048, made once for the suite).
    static let people: Task<[SwarmAuthor], any Error> = Task {
        var made: [SwarmAuthor] = []
        for name in ["Alice", "Bob"] { made.append(try SwarmAuthor(device: try await AccountFactory.create(bits: 2048).device, displayName: name)) }
        return made
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swarm-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A group where Alice and Bob talk: texts, a reply, reactions, an edit, a deletion.
    static func conversation() async throws -> (ConversationRepository, [String: ObjectID], [SwarmAuthor]) {
        let people = try await people.value
        let (alice, bob) = (people[0], people[1])
        let conv = try ConversationRepository.create(in: try folder(), mode: .invitesOnly, by: alice, at: 1_700_000_000)
        try conv.invite(bob.account, by: alice, at: 1_700_000_001)
        try conv.join(by: bob, at: 1_700_000_002)
        var ids: [String: ObjectID] = [:]
        ids["hello"] = try conv.commit(.text("Héllo Bob, ça va ?"), by: alice, at: 1_700_000_010)
        ids["reply"] = try conv.commit(.text("Fine, and you?", replyTo: ids["hello"]), by: bob, at: 1_700_000_011)
        ids["typo"] = try conv.commit(.text("I am hapy"), by: alice, at: 1_700_000_012)
        ids["smile"] = try conv.commit(.reaction("🙂", to: ids["reply"]!), by: alice, at: 1_700_000_013)
        ids["thumb"] = try conv.commit(.reaction("👍", to: ids["reply"]!), by: bob, at: 1_700_000_014)
        try conv.commit(.edit(ids["typo"]!, body: "I am happy"), by: alice, at: 1_700_000_015)
        ids["secret"] = try conv.commit(.text("the door code is 4321"), by: bob, at: 1_700_000_016)
        try conv.commit(.edit(ids["secret"]!, body: ""), by: bob, at: 1_700_000_017)
        try conv.commit(.edit(ids["thumb"]!, body: ""), by: bob, at: 1_700_000_018)
        return (conv, ids, people)
    }

    @Test func editsReactionsAndRepliesAreFoldedIntoTheirMessages() async throws {
        let (conv, ids, people) = try await Self.conversation()
        let index = try MessageIndex()
        let changes = try index.update(conv)
        #expect(changes.contains(.added(ids["hello"]!.hex)) && changes.contains(.changed(ids["typo"]!.hex)))
        let all = try index.messages(in: conv.id.hex, limit: 100)
        // initial, add, join, hello, reply, typo, secret: edits and reactions are not messages.
        #expect(all.map(\.type) == ["initial", "member", "member", "text/plain", "text/plain", "text/plain", "text/plain"])
        #expect(all.map(\.seq) == all.map(\.seq).sorted())
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        let reply = try #require(byID[ids["reply"]!.hex])
        #expect(reply.replyTo == ids["hello"]!.hex && reply.author == people[1].account && reply.device == people[1].deviceID)
        #expect(reply.reactions == [IndexedMessage.Reaction(id: ids["smile"]!.hex, author: people[0].account, emoji: "🙂")])
        let typo = try #require(byID[ids["typo"]!.hex])
        #expect(typo.body == "I am happy" && typo.edited == 1_700_000_015 && typo.fields["body"] == "I am hapy")
        let secret = try #require(byID[ids["secret"]!.hex])
        #expect(secret.deleted && secret.body.isEmpty)
        #expect(all.first?.fields["mode"] == "2")
    }

    @Test func pagesGoBackwardsFromAMessage() async throws {
        let (conv, ids, _) = try await Self.conversation()
        let index = try MessageIndex()
        try index.update(conv)
        let last = try index.messages(in: conv.id.hex, limit: 2)
        #expect(last.map(\.id) == [ids["typo"]!.hex, ids["secret"]!.hex])
        let before = try index.messages(in: conv.id.hex, before: last[0].id, limit: 2)
        #expect(before.map(\.id) == [ids["hello"]!.hex, ids["reply"]!.hex])
        #expect(try index.messages(in: conv.id.hex, before: String(repeating: "0", count: 40)).isEmpty)
        #expect(try index.messages(in: "not a conversation").isEmpty)
    }

    @Test func searchFindsWordsWithoutCaseOrAccentsAndNotDeletedText() async throws {
        let (conv, ids, _) = try await Self.conversation()
        let index = try MessageIndex()
        try index.update(conv)
        #expect(try index.search("hello CA").map(\.id) == [ids["hello"]!.hex])
        #expect(try index.search("happy").map(\.id) == [ids["typo"]!.hex])
        #expect(try index.search("hapy").isEmpty)  // the edit replaced it
        #expect(try index.search("door").isEmpty)  // deleted
        #expect(try index.search("fine", in: conv.id.hex).count == 1)
        #expect(try index.search("fine", in: String(repeating: "a", count: 40)).isEmpty)
        // Words that are FTS5 syntax are searched as words, never parsed.
        for hostile in ["\"", "NEAR(a b)", "* OR *", "body:x", "a AND", "(((", "^", "-x", "'; DROP TABLE messages; --", ""] {
            #expect(throws: Never.self) { _ = try index.search(hostile) }
        }
        #expect(try index.messages(in: conv.id.hex, limit: 100).count == 7)
    }

    @Test func anIndexBuiltAgainFromTheRepositoryGivesTheSameAnswers() async throws {
        let (conv, _, people) = try await Self.conversation()
        let folder = try Self.folder()
        let path = folder.appendingPathComponent(MessageIndex.fileName).path
        // Built as the daemon builds it: after each commit.
        var index: MessageIndex? = try MessageIndex(path: path)
        try index!.update(conv)
        try conv.commit(.text("one more"), by: people[0], at: 1_700_000_100)
        try index!.update(conv)
        let before = try index!.messages(in: conv.id.hex, limit: 100)
        let found = try index!.search("more")
        index = nil
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let rebuilt = try MessageIndex(path: path)
        try rebuilt.update(conv)
        #expect(try rebuilt.messages(in: conv.id.hex, limit: 100) == before)
        #expect(try rebuilt.search("more") == found)
    }

    @Test func aDamagedIndexFileIsStartedAgain() async throws {
        let (conv, _, _) = try await Self.conversation()
        let path = try Self.folder().appendingPathComponent(MessageIndex.fileName).path
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path))
        let index = try MessageIndex(path: path)
        try index.update(conv)
        #expect(try index.messages(in: conv.id.hex, limit: 100).count == 7)
    }
}
