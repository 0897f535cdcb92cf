import Connectivity
@testable import Daemon
import DaemonWire
import Foundation
import Identity
import Swarm
import Testing

/// Two rafikid hold one conversation: Bob clones Alice's over a `git://` channel of their peer
/// socket (a real upload-pack session, the history validated before it lands), joins and
/// writes; Alice fetches that back. A stranger's fetch is refused.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ConversationSyncTests {
    @Test func aConversationIsClonedAndFetchedBetweenDaemons() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            let atAlice = try await a.daemon.runtime(alice.id).swarm()
            let atBob = try await b.daemon.runtime(bob.id).swarm()
            let bobID = try #require(PublicKeyID(hex: bob.id)), aliceDevice = try #require(PublicKeyID(hex: alice.device))
            let bobDevice = try #require(PublicKeyID(hex: bob.device))
            let conversation = try await atAlice.create(mode: .invitesOnly)
            _ = try await atAlice.invite(bobID, to: conversation)
            for i in 0..<10 { _ = try await atAlice.commit(.text("message \(i)"), in: conversation) }

            let cloned = try await b.daemon.runtime(bob.id).fetchConversation(conversation, from: aliceDevice)
            #expect(await atBob.conversations() == [conversation])
            #expect(try await atBob.history(of: conversation).count == 12)
            _ = try await atBob.join(conversation)
            let last = try await atBob.commit(.text("hello Alice"), in: conversation)
            #expect(cloned != last)

            let atAliceNow = try await a.daemon.runtime(alice.id).fetchConversation(conversation, from: bobDevice)
            #expect(atAliceNow == last)
            let texts = try await atAlice.history(of: conversation).compactMap { $0.message["body"] }
            #expect(texts.first == "hello Alice" && texts.count == 11)

            // A message Alice sends reaches Bob by itself: notified, fetched, validated, merged.
            let sent = try await a.daemon.runtime(alice.id).sendMessage("did you get this?", in: conversation)
            var arrived = false
            for _ in 0..<100 where !arrived {
                arrived = try await atBob.history(of: conversation).contains { $0.id == sent }
                if !arrived { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(arrived, "Alice's message did not reach Bob within 20 s")

            // Carol is no member: Alice's device will not serve her.
            let c = TestDaemon(network: network)
            try await c.start()
            let carol = try await c.createAccount("Carol")
            try await c.recorder.wait("Carol registered") { $0.type == .registration && $0.state == "registered" }
            await #expect(throws: DaemonError.self) { _ = try await c.daemon.runtime(carol.id).fetchConversation(conversation, from: aliceDevice) }
            #expect(try await c.daemon.runtime(carol.id).swarm().conversations().isEmpty)
        }
    }
}
