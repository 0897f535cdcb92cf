@testable import Daemon
import DaemonClient
import DaemonWire
import Foundation
import NIOCore
import Testing

/// Profiles between two rafikid: ours pushed to a member's device when it changes, theirs
/// pulled after a clone, and the conversation's profile, which only admins change.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct ProfileTests {
    @Test func profilesTravelBetweenMembersAndOnlyAdminsChangeTheConversations() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob, c) = try await FileTransferAPITests.oneToOne(on: network)
            // Bob's device fetched from Alice's (the clone): Bob pulled her profile, pushed his.
            let atBob = try await waitFor("Alice's name at Bob's") {
                let p = try await b.client.call(.contactProfile, account: bob.id, peer: alice.id, as: API.Profile.self)
                return p.displayName == "Alice" ? p : nil
            }
            #expect(atBob.avatar == nil)

            // Alice changes hers: Bob's device gets it over the socket they have.
            let avatar = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).base64EncodedString()
            _ = try await a.client.call(.profile, account: alice.id, body: API.Profile(displayName: "Alice Liddell", avatar: avatar, avatarType: "PNG"),
                                        as: API.Profile.self)
            let own = try await a.client.call(.ownProfile, account: alice.id, as: API.Profile.self)
            #expect(own == API.Profile(displayName: "Alice Liddell", avatar: avatar, avatarType: "PNG"))
            try await b.recorder.wait("Alice's new profile at Bob's") { $0.type == .profileReceived && $0.peer == alice.id && $0.displayName == "Alice Liddell" }
            let pushed = try await b.client.call(.contactProfile, account: bob.id, peer: alice.id, as: API.Profile.self)
            #expect(pushed == own)
            let contact = try await b.client.call(.contact, account: bob.id, peer: alice.id, as: API.Contact.self)
            #expect(contact.displayName == "Alice Liddell")

            // The conversation's profile: Alice is its admin, Bob a member.
            let set = try await a.client.call(.updateConversationProfile, account: alice.id, conversation: c,
                                              body: API.ConversationProfile(title: "Tea\nparty", description: "every day at six"), as: API.ConversationProfile.self)
            #expect(set == API.ConversationProfile(title: "Tea party", description: "every day at six"))
            try await waitFor("the title at Bob's") {
                try await b.client.call(.conversation, account: bob.id, conversation: c, as: API.Conversation.self).title == "Tea party" ? true : nil
            }
            #expect(try await b.client.call(.conversationProfile, account: bob.id, conversation: c, as: API.ConversationProfile.self) == set)
            await #expect(throws: DaemonClientError.self) {
                _ = try await b.client.call(.updateConversationProfile, account: bob.id, conversation: c, body: API.ConversationProfile(title: "mine"))
            }
            // Alice removes the description, keeps the title.
            let less = try await a.client.call(.updateConversationProfile, account: alice.id, conversation: c, body: API.ConversationProfile(description: ""),
                                               as: API.ConversationProfile.self)
            #expect(less == API.ConversationProfile(title: "Tea party"))
            // No profile of an account we know nothing of.
            await #expect(throws: DaemonClientError.self) {
                _ = try await a.client.call(.contactProfile, account: alice.id, peer: String(repeating: "e", count: 40))
            }
        }
    }

    /// Profiles pushed half and left open: two per account are read at a time (the third is
    /// refused at once), each is dropped at the read deadline, and a whole one is taken after.
    @Test func halfSentProfilesAreBoundedAndDropped() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob, c) = try await FileTransferAPITests.oneToOne(on: network)
            // Bob's own push is over first (it would take one of the turns).
            try await a.recorder.wait("Bob's profile at Alice's") { $0.type == .profileReceived && $0.peer == bob.id }
            let aliceRuntime = try await a.daemon.runtime(alice.id), bobRuntime = try await b.daemon.runtime(bob.id)
            let socket = try await bobRuntime.connections().connect(aliceRuntime.device.shortID, now: true)
            let name = "data-transfer://\(c)/\(bobRuntime.device.longID.hex)/profile.vcf"
            let started = ContinuousClock.now
            let ends = try await withThrowingTaskGroup(of: Duration.self) { group in
                for _ in 0..<(ProfileService.maxReadsPerAccount + 1) {
                    let channel = try await socket.open(name)
                    // The refused one may be closed before this arrives.
                    try? await channel.write(ByteBuffer(string: "BEGIN:VCARD\r\nFN:Half"))
                    group.addTask {
                        for try await _ in channel.inbound {}
                        return ContinuousClock.now - started
                    }
                }
                return try await group.reduce(into: [Duration]()) { $0.append($1) }.sorted()
            }
            // The refused one ends at once, the two read ones at the deadline.
            #expect(ends[0] < ProfileService.readDeadline)
            #expect(ends.dropFirst().allSatisfy { $0 >= ProfileService.readDeadline }, "\(ends)")
            let kept = try await a.client.call(.contactProfile, account: alice.id, peer: bob.id, as: API.Profile.self)
            #expect(kept.displayName == "Bob")

            let whole = try await socket.open(name)
            try await whole.write(ByteBuffer(string: "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Robert\r\nEND:VCARD\r\n"))
            whole.close()
            try await a.recorder.wait("the whole profile taken") { $0.type == .profileReceived && $0.peer == bob.id && $0.displayName == "Robert" }
        }
    }
}
