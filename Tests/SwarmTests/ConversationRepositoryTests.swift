import Foundation
import Identity
@testable import Swarm
import Testing

/// Conversations written as jamid writes them, read back by us and by `git` itself.
@Suite struct ConversationRepositoryTests {
    @Test func aOneToOneConversationStartsAsJamiStartsIt() async throws {
        let (alice, bob) = try await (SwarmFixtures.shared.people()[0], SwarmFixtures.shared.people()[1])
        let folder = try SwarmFixtures.folder()
        let conv = try ConversationRepository.create(in: folder, mode: .oneToOne, invited: bob.account, by: alice, at: 1_700_000_000)
        #expect(try conv.head == conv.id)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(conv.id.hex).path))
        let root = try conv.git.commit(conv.id)
        #expect(root.message == #"{"invited":"\#(bob.account)","mode":0,"type":"initial"}"#)
        #expect(root.authorName == "Alice" && root.authorEmail == alice.deviceID && root.time == 1_700_000_000)
        let files = try await SwarmFixtures.git(conv, "ls-tree", "-r", "--name-only", "main").split(separator: "\n").sorted()
        #expect(files == ["admins/\(alice.account).crt", "devices/\(alice.deviceID).crt", "invited/\(bob.account)"])
        // The account chain (account + CA) in admins/, the device certificate alone in devices/.
        let admin = try #require(try conv.git.file(ConversationLayout.admin(alice.account), in: root.tree))
        #expect(try CertificateChain(pemOrDER: admin).encodings == Array(alice.device.chain.encodings.dropFirst()))
        let raw = try await SwarmFixtures.git(conv, "cat-file", "commit", conv.id.hex)
        #expect(raw.contains("\nauthor Alice <\(alice.deviceID)> 1700000000 +0000\n"))
        #expect(raw.contains("\nsignature "))
        #expect(!raw.hasSuffix("\n\n"))
        #expect(try await SwarmFixtures.git(conv, "fsck", "--strict").isEmpty)
        try HistoryValidator(conv.git, conversation: conv.id).validate([conv.id])
    }

    @Test func messagesAreSignedCommitsInOrder() async throws {
        let alice = try await SwarmFixtures.shared.people()[0]
        let conv = try ConversationRepository.create(in: try SwarmFixtures.folder(), mode: .invitesOnly, by: alice, at: 1_700_000_000)
        let first = try conv.commit(.text("héllo 👋"), by: alice, at: 1_700_000_001)
        let reply = try conv.commit(.text("second", replyTo: first), by: alice, at: 1_700_000_002)
        try conv.commit(.reaction("👍", to: reply), by: alice, at: 1_700_000_003)
        try conv.commit(.edit(first, body: "hello"), by: alice, at: 1_700_000_004)
        let history = try conv.history()
        #expect(history.map(\.message.type) == ["application/edited-message", "text/plain", "text/plain", "text/plain", "initial"])
        #expect(try conv.git.commit(first).message == #"{"body":"h\u00e9llo \ud83d\udc4b","type":"text/plain"}"#)
        #expect(history[2].message["reply-to"] == first.hex)
        let oldestFirst = try conv.git.walk(from: [try conv.head], oldestFirst: true)
        try HistoryValidator(conv.git, conversation: conv.id).validate(oldestFirst)
        #expect(try await SwarmFixtures.git(conv, "log", "--format=%s", "main").split(separator: "\n").count == 5)
    }

    @Test func membersAreInvitedAndJoin() async throws {
        let people = try await SwarmFixtures.shared.people()
        let (alice, bob) = (people[0], people[1])
        let conv = try ConversationRepository.create(in: try SwarmFixtures.folder(), mode: .invitesOnly, by: alice, at: 1_700_000_000)
        try conv.invite(bob.account, by: alice, at: 1_700_000_001)
        try conv.join(by: bob, at: 1_700_000_002)
        try conv.commit(.text("hi from Bob"), by: bob, at: 1_700_000_003)
        try conv.updateProfile(Array("BEGIN:VCARD\nVERSION:2.1\nFN:Team\nEND:VCARD\n".utf8), by: alice, at: 1_700_000_004)
        let files = try await SwarmFixtures.git(conv, "ls-tree", "-r", "--name-only", "main").split(separator: "\n").sorted()
        #expect(files == ["admins/\(alice.account).crt", "devices/\(alice.deviceID).crt", "devices/\(bob.deviceID).crt",
                          "members/\(bob.account).crt", "profile.vcf"].sorted())
        try HistoryValidator(conv.git, conversation: conv.id).validate(try conv.git.walk(from: [try conv.head], oldestFirst: true))
    }

    @Test func adminsRemoveAndBanMembersAndMembersLeave() async throws {
        let people = try await SwarmFixtures.shared.people()
        let (alice, bob, carol) = (people[0], people[1], people[2])
        let conv = try ConversationRepository.create(in: try SwarmFixtures.folder(), mode: .invitesOnly, by: alice, at: 1_700_000_000)
        for (i, who) in [bob, carol].enumerated() {
            try conv.invite(who.account, by: alice, at: 1_700_000_001 + Int64(i))
            try conv.join(by: who, at: 1_700_000_003 + Int64(i))
        }
        #expect(try conv.roles() == [alice.account: .admin, bob.account: .member, carol.account: .member])
        #expect(throws: SwarmError.self) { try conv.remove(carol.account, by: bob, at: 1_700_000_005) }
        #expect(throws: SwarmError.self) { try conv.ban(carol.account, by: bob, at: 1_700_000_005) }
        // One admin: her vote is enough, and the ban is resolved in the same call.
        try conv.ban(bob.account, by: alice, at: 1_700_000_006)
        #expect(try conv.roles()[bob.account] == .banned)
        try conv.remove(carol.account, by: carol, at: 1_700_000_007)
        #expect(try conv.roles() == [alice.account: .admin, bob.account: .banned])
        try conv.unban(bob.account, by: alice, at: 1_700_000_008)
        #expect(try conv.roles() == [alice.account: .admin, bob.account: .member])
        try conv.ban(bob.account, by: alice, at: 1_700_000_009)
        let files = try await SwarmFixtures.git(conv, "ls-tree", "-r", "--name-only", "main").split(separator: "\n").sorted()
        #expect(files == ["admins/\(alice.account).crt", "banned/members/\(bob.account).crt", "devices/\(alice.deviceID).crt"].sorted())
        let types = try conv.history().map { "\($0.message.type) \($0.message["action"] ?? "")" }
        #expect(types.prefix(7) == ["member ban", "vote ", "member unban", "vote ", "member remove", "member ban", "vote "])
        try HistoryValidator(conv.git, conversation: conv.id).validate(try conv.git.walk(from: [try conv.head], oldestFirst: true))
    }
}
