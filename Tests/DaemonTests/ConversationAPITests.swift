@testable import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Testing

/// Three rafikid talk in a group through the local API, as the CLI does: invitations, joins,
/// messages, a reply, a reaction, an edit, read receipts; Carol is offline for part of it and
/// catches up when she is back. Every step is seen through events and the message index.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct ConversationAPITests {
    @Test func threeDaemonsTalkInAGroupAndOneCatchesUpAfterBeingAway() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            let c = TestDaemon(network: network)
            try await c.start()
            let carol = try await c.createAccount("Carol")
            try await c.recorder.wait("Carol registered") { $0.type == .registration && $0.state == "registered" }

            let group = try await a.client.call(.createConversation, account: alice.id, body: API.NewConversation(members: [bob.id, carol.id]),
                                                as: API.Conversation.self)
            #expect(group.mode == .invitesOnly && group.members.map(\.role) == [.admin, .invited, .invited])
            let id = group.id
            for (d, who) in [(b, bob), (c, carol)] {
                try await d.recorder.wait("\(who.displayName ?? "") invited") { $0.type == .conversationRequest && $0.conversationId == id }
                let requests = try await d.client.call(.conversationRequests, account: who.id, as: API.ConversationRequestList.self).requests
                #expect(requests.map(\.conversation) == [id] && requests[0].from == alice.id)
                let joined = try await d.client.call(.acceptConversation, account: who.id, conversation: id, as: API.Conversation.self)
                #expect(joined.members.first { $0.account == who.id }?.role == .member)
                try await a.recorder.wait("\(who.displayName ?? "") joined at Alice's") {
                    $0.type == .memberChanged && $0.peer == who.id && $0.state == "join"
                }
            }

            let hello = try await a.client.call(.sendMessage, account: alice.id, conversation: id, body: API.SendMessage(body: "hello, group"),
                                                as: API.Message.self)
            #expect(hello.status == .sending || hello.status == .sent)
            for d in [b, c] {
                let e = try await d.recorder.wait("hello arrives") { $0.type == .messageReceived && $0.message?.id == hello.id }
                #expect(e.message?.body == "hello, group" && e.message?.author == alice.id)
            }
            try await a.recorder.wait("hello fetched: sent") { $0.type == .messageStatus && $0.message?.id == hello.id && $0.message?.status == .sent }

            // Carol goes away; the others go on.
            await c.stop()
            let typo = try await a.client.call(.sendMessage, account: alice.id, conversation: id, body: API.SendMessage(body: "lunch at noom?"),
                                               as: API.Message.self)
            _ = try await a.client.call(.editMessage, account: alice.id, conversation: id, message: typo.id, body: API.EditMessage(body: "lunch at noon?"),
                                        as: API.Message.self)
            try await b.recorder.wait("the edit reaches Bob") { $0.type == .messageUpdated && $0.message?.id == typo.id && $0.message?.body == "lunch at noon?" }
            let reply = try await b.client.call(.sendMessage, account: bob.id, conversation: id, body: API.SendMessage(body: "yes!", replyTo: typo.id),
                                                as: API.Message.self)
            _ = try await b.client.call(.react, account: bob.id, conversation: id, message: typo.id, body: API.React(emoji: "👍"), as: API.Message.self)
            try await a.recorder.wait("Bob's reaction at Alice's") { $0.type == .messageUpdated && $0.message?.id == typo.id && $0.message?.reactions.count == 1 }
            try await a.recorder.wait("Bob's reply at Alice's") { $0.type == .messageReceived && $0.message?.id == reply.id }
            // Only the author edits.
            await #expect(throws: DaemonClientError.self) {
                _ = try await b.client.call(.editMessage, account: bob.id, conversation: id, message: typo.id, body: API.EditMessage(body: "mine now"))
            }
            // Bob reads: Alice's message becomes displayed for her.
            _ = try await b.client.call(.readMessage, account: bob.id, conversation: id, message: reply.id)
            try await a.recorder.wait("Bob read") { $0.type == .messageStatus && $0.peer == bob.id && $0.message?.id == reply.id }
            let atAlice = try await a.client.call(.messages, account: alice.id, conversation: id, as: API.MessagePage.self).messages
            #expect(atAlice.first { $0.id == typo.id }?.status == .displayed)

            // Carol is back: she catches up by herself.
            try await c.start()
            let deadline = ContinuousClock.now + .seconds(60)
            var atCarol: [API.Message] = []
            while ContinuousClock.now < deadline {
                atCarol = (try? await c.client.call(.messages, account: carol.id, conversation: id, as: API.MessagePage.self).messages) ?? []
                if atCarol.contains(where: { $0.id == reply.id }) { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            let summary: ([API.Message]) -> [String] = { $0.map { "\($0.id) \($0.body) \($0.reactions.map(\.emoji)) \($0.edited != nil)" } }
            #expect(summary(atCarol) == summary(atAlice))
            let found = try await c.client.call(.searchMessages, account: carol.id, query: [(Endpoint.Query.text, "NOON")], as: API.MessagePage.self)
            #expect(found.messages.map(\.id) == [typo.id])
            let list = try await c.client.call(.conversations, account: carol.id, as: API.ConversationList.self).conversations
            #expect(list.map(\.id) == [id] && list[0].unread == 3)
        }
    }

    /// A contact request carries a new 1:1 conversation; accepting clones it and joins, and
    /// both sides then write in it.
    @Test func aContactRequestOffersAOneToOneConversation() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            _ = try await a.client.call(.addContact, account: alice.id, body: API.AddContact(peer: bob.id))
            let offered = try #require(try await a.client.call(.conversations, account: alice.id, as: API.ConversationList.self).conversations.first)
            #expect(offered.mode == .oneToOne && offered.members.map(\.role) == [.admin, .invited])
            let request = try await b.recorder.wait("Alice's request") { $0.type == .requestReceived && $0.peer == alice.id }
            #expect(request.conversationId == offered.id)
            _ = try await b.client.call(.acceptRequest, account: bob.id, peer: alice.id)
            try await b.recorder.wait("the 1:1 cloned") { $0.type == .conversationChanged && $0.conversationId == offered.id && $0.state == "cloned" }
            try await a.recorder.wait("Bob joined") { $0.type == .memberChanged && $0.peer == bob.id && $0.state == "join" }
            let hi = try await b.client.call(.sendMessage, account: bob.id, conversation: offered.id, body: API.SendMessage(body: "hi Alice"), as: API.Message.self)
            try await a.recorder.wait("Bob's message") { $0.type == .messageReceived && $0.message?.id == hi.id }
            let back = try await a.client.call(.sendMessage, account: alice.id, conversation: offered.id, body: API.SendMessage(body: "hi Bob", replyTo: hi.id),
                                               as: API.Message.self)
            let e = try await b.recorder.wait("Alice's reply") { $0.type == .messageReceived && $0.message?.id == back.id }
            #expect(e.message?.replyTo == hi.id)
            let view = try await b.client.call(.conversation, account: bob.id, conversation: offered.id, as: API.Conversation.self)
            #expect(view.members.map(\.role) == [.admin, .member] && view.lastMessage?.id == back.id)
        }
    }

    /// Two devices of one account (her archive imported on a third daemon): the new device gets
    /// the conversations of the first, both get the peer's messages, a read on one is known on
    /// the other, and what one writes reaches the other and the peer.
    @Test func twoDevicesOfOneAccountShareConversationsAndReadState() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            _ = try await a.client.call(.addContact, account: alice.id, body: API.AddContact(peer: bob.id))
            try await b.recorder.wait("Alice's request") { $0.type == .requestReceived && $0.peer == alice.id }
            _ = try await b.client.call(.acceptRequest, account: bob.id, peer: alice.id)
            let cloned = try await b.recorder.wait("the 1:1 cloned") { $0.type == .conversationChanged && $0.state == "cloned" }
            let id = try #require(cloned.conversationId)
            try await a.recorder.wait("Bob joined") { $0.type == .memberChanged && $0.peer == bob.id && $0.state == "join" }

            let exported = try await a.daemon.exportAccount(alice.id)
            let phone = TestDaemon(network: network)
            try await phone.start()
            _ = try await phone.daemon.importAccount(archive: exported.archive, password: nil, deviceName: "phone")
            try await phone.recorder.wait("the phone cloned the 1:1", timeout: .seconds(120)) {
                $0.type == .conversationChanged && $0.conversationId == id && $0.state == "cloned"
            }

            let hi = try await b.client.call(.sendMessage, account: bob.id, conversation: id, body: API.SendMessage(body: "to both of you"), as: API.Message.self)
            for d in [a, phone] { try await d.recorder.wait("Bob's message") { $0.type == .messageReceived && $0.message?.id == hi.id } }
            _ = try await a.client.call(.readMessage, account: alice.id, conversation: id, message: hi.id)
            let deadline = ContinuousClock.now + .seconds(60)
            var status: API.MessageStatus?
            while ContinuousClock.now < deadline, status != .displayed {
                status = try? await phone.client.call(.message, account: alice.id, conversation: id, message: hi.id, as: API.Message.self).status
                if status != .displayed { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(status == .displayed, "the read on the laptop is not known on the phone")

            let fromPhone = try await phone.client.call(.sendMessage, account: alice.id, conversation: id, body: API.SendMessage(body: "sent from my phone"),
                                                        as: API.Message.self)
            for d in [a, b] { try await d.recorder.wait("the phone's message") { $0.type == .messageReceived && $0.message?.id == fromPhone.id } }
        }
    }
}
