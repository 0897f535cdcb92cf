import Foundation
import Identity
@testable import Swarm
import Testing

/// Histories a peer could send us, each refused with its reason. Every commit here is written
/// into the object store the way a fetch would put it there, but `main` never moves to it.
@Suite struct HostileHistoryTests {
    struct Setup {
        let conv: ConversationRepository
        let alice: SwarmAuthor, bob: SwarmAuthor, carol: SwarmAuthor
        var validator: HistoryValidator { HistoryValidator(conv.git, conversation: conv.id) }
    }

    /// Alice's group with Bob as a member; Carol is a stranger.
    static func setup() async throws -> Setup {
        let p = try await SwarmFixtures.shared.people()
        let conv = try ConversationRepository.create(in: try SwarmFixtures.folder(), mode: .invitesOnly, by: p[0], at: now)
        try conv.invite(p[1].account, by: p[0], at: now)
        try conv.join(by: p[1], at: now)
        return Setup(conv: conv, alice: p[0], bob: p[1], carol: p[2])
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// A commit on top of `main` that nothing checks while it is made.
    static func forge(_ s: Setup, _ message: String, edits: [GitRepository.TreeEdit] = [], name: String = "x", email: String,
                      sign: ([UInt8]) throws(SwarmError) -> [UInt8]) throws -> ObjectID {
        let head = try s.conv.head
        let tree = try s.conv.git.tree(from: try s.conv.git.commit(head).tree, applying: edits)
        return try s.conv.git.createSignedCommit(tree: tree, parents: [head], name: name, email: email, time: now, message: message, sign: sign)
    }

    static func refused(_ s: Setup, _ commit: ObjectID, because reason: String) {
        #expect { try s.validator.validate([commit]) } throws: { error in
            guard case SwarmError.invalidCommit(let id, let why) = error, id == commit.hex else { return false }
            return why.contains(reason)
        }
    }

    @Test func aForgedAuthorIsRefused() async throws {
        let s = try await Self.setup()
        // Bob's device id, signed by Carol.
        let forged = try Self.forge(s, CommitMessage.text("I am Bob").json, email: s.bob.deviceID, sign: s.carol.sign)
        Self.refused(s, forged, because: "signature does not verify")
        // Carol's own device, but Carol is no member.
        let stranger = try Self.forge(s, CommitMessage.text("let me in").json, edits: [.write(path: ConversationLayout.device(s.carol.deviceID), bytes: s.carol.devicePEM)],
                                      email: s.carol.deviceID, sign: s.carol.sign)
        Self.refused(s, stranger, because: "is not a member")
        // A device certificate filed under another device's id.
        let swapped = try Self.forge(s, CommitMessage.text("swap").json, edits: [.write(path: ConversationLayout.device(s.bob.deviceID), bytes: s.carol.devicePEM)],
                                     email: s.bob.deviceID, sign: s.carol.sign)
        Self.refused(s, swapped, because: "not the author's")
        #expect(try s.conv.head != forged)
    }

    @Test func badOrMissingSignaturesAreRefused() async throws {
        let s = try await Self.setup()
        let garbage = try Self.forge(s, CommitMessage.text("x").json, email: s.bob.deviceID) { _ in Array(repeating: 7, count: 256) }
        Self.refused(s, garbage, because: "signature does not verify")
        // Signed over other bytes than the commit's.
        let other = try Self.forge(s, CommitMessage.text("y").json, email: s.bob.deviceID) { (_) throws(SwarmError) in try s.bob.sign([1, 2, 3]) }
        Self.refused(s, other, because: "signature does not verify")
        // No signature header at all, as plain git writes a commit.
        let head = try s.conv.head
        let unsigned = try await SwarmFixtures.git(s.conv, "-c", "user.name=Bob", "-c", "user.email=\(s.bob.deviceID)", "commit-tree", try s.conv.git.commit(head).tree.hex, "-p", head.hex, "-m", CommitMessage.text("z").json)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        Self.refused(s, try #require(ObjectID(hex: unsigned)), because: "unsigned")
    }

    @Test func aMemberMayNotDoWhatOnlyAdminsDo() async throws {
        let s = try await Self.setup()
        let profile = try Self.forge(s, CommitMessage(type: CommitMessage.Kind.profile).json,
                                     edits: [.write(path: ConversationLayout.profile, bytes: Array("BEGIN:VCARD\nFN:mine\nEND:VCARD\n".utf8))],
                                     email: s.bob.deviceID, sign: s.bob.sign)
        Self.refused(s, profile, because: "only an admin")
        let vote = try Self.forge(s, CommitMessage.vote(uri: s.alice.account).json,
                                  edits: [.write(path: "votes/ban/admins/\(s.alice.account)/\(s.bob.account)", bytes: [])], email: s.bob.deviceID, sign: s.bob.sign)
        Self.refused(s, vote, because: "only an admin")
        let kick = try Self.forge(s, CommitMessage.member(.remove, uri: s.alice.account).json,
                                  edits: [.remove(path: ConversationLayout.admin(s.alice.account))], email: s.bob.deviceID, sign: s.bob.sign)
        Self.refused(s, kick, because: "only an admin")
    }

    @Test func selfAddAndStrayFilesAreRefused() async throws {
        let s = try await Self.setup()
        let selfAdd = try Self.forge(s, CommitMessage.member(.add, uri: s.bob.account).json,
                                     edits: [.write(path: ConversationLayout.invited(s.bob.account), bytes: [])], email: s.bob.deviceID, sign: s.bob.sign)
        Self.refused(s, selfAdd, because: "may not add itself")
        // A text message that also makes Bob an admin.
        let promotion = try Self.forge(s, CommitMessage.text("nothing to see").json,
                                       edits: [.write(path: ConversationLayout.admin(s.bob.account), bytes: s.bob.accountChainPEM)], email: s.bob.deviceID, sign: s.bob.sign)
        Self.refused(s, promotion, because: "may not touch admins/")
        // Joining as Carol (never invited) through Bob's device.
        let join = try Self.forge(s, CommitMessage.member(.join, uri: s.carol.account).json,
                                  edits: [.write(path: ConversationLayout.member(s.carol.account), bytes: s.carol.accountChainPEM)], email: s.bob.deviceID, sign: s.bob.sign)
        Self.refused(s, join, because: "joins as someone else")
        // Editing Alice's message.
        let aliceSays = try s.conv.commit(.text("mine"), by: s.alice, at: Self.now)
        let edit = try Self.forge(s, CommitMessage.edit(aliceSays, body: "yours").json, email: s.bob.deviceID, sign: s.bob.sign)
        Self.refused(s, edit, because: "another member's message")
    }

    @Test func malformedMessagesAndSecondRootsAreRefused() async throws {
        let s = try await Self.setup()
        for bad in ["not json", #"{"type":"text/plain","body":{"nested":1}}"#, #"{"body":"no type"}"#, String(repeating: "a", count: 70_000)] {
            let c = try Self.forge(s, bad, email: s.bob.deviceID, sign: s.bob.sign)
            Self.refused(s, c, because: "malformed commit message")
        }
        let again = try Self.forge(s, CommitMessage.initial(mode: .invitesOnly, invited: nil).json, email: s.bob.deviceID, sign: s.bob.sign)
        Self.refused(s, again, because: "second initial commit")
        // Another conversation's root, offered as if it were ours.
        let other = try ConversationRepository.create(in: try SwarmFixtures.folder(), mode: .invitesOnly, by: s.carol, at: Self.now)
        #expect { try HistoryValidator(other.git, conversation: s.conv.id).validate([other.id]) } throws: { "\($0)".contains("second root") }
    }
}
