@testable import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Testing

/// Two devices of one account (her archive imported on a second daemon) converge over
/// `sync://` on contacts, requests, conversations and read state, the phone having been
/// offline while the laptop changed them.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct DeviceSyncTests {
    @Test func aDeviceThatWasAwayCatchesUpOnContactsRequestsConversationsAndReads() async throws {
        try await withTestNetwork { network in
            let (laptop, b, alice, bob, oneToOne) = try await FileTransferAPITests.oneToOne(on: network)
            let c = TestDaemon(network: network)
            try await c.start()
            let carol = try await c.createAccount("Carol")
            try await c.recorder.wait("Carol registered") { $0.type == .registration && $0.state == "registered" }

            let phone = TestDaemon(network: network)
            try await phone.start()
            _ = try await phone.daemon.importAccount(archive: try await laptop.daemon.exportAccount(alice.id).archive, password: nil, deviceName: "phone")
            try await phone.recorder.wait("the phone has the 1:1", timeout: .seconds(120)) {
                $0.type == .conversationChanged && $0.conversationId == oneToOne && $0.state == "cloned"
            }
            try await laptop.recorder.wait("the laptop heard from the phone") { $0.type == .deviceFound }
            await phone.stop()

            // While the phone is away: a new contact, a request, a group, a read.
            _ = try await laptop.client.call(.addContact, account: alice.id, body: API.AddContact(peer: carol.id))
            let group = try await laptop.client.call(.createConversation, account: alice.id, body: API.NewConversation(members: [bob.id]), as: API.Conversation.self)
            let bobs = try await b.client.call(.createConversation, account: bob.id, body: API.NewConversation(members: [alice.id]), as: API.Conversation.self)
            try await laptop.recorder.wait("Bob's invitation") { $0.type == .conversationRequest && $0.conversationId == bobs.id }
            let hi = try await b.client.call(.sendMessage, account: bob.id, conversation: oneToOne, body: API.SendMessage(body: "hi"), as: API.Message.self)
            try await laptop.recorder.wait("Bob's message") { $0.type == .messageReceived && $0.message?.id == hi.id }
            _ = try await laptop.client.call(.readMessage, account: alice.id, conversation: oneToOne, message: hi.id)

            // The phone comes back and catches up.
            try await phone.start()
            try await waitFor("Carol a contact on the phone") {
                try await phone.client.call(.contacts, account: alice.id, as: API.ContactList.self).contacts.contains { $0.id == carol.id && $0.state == .active }
            }
            try await waitFor("the new group on the phone") {
                try await phone.client.call(.conversations, account: alice.id, as: API.ConversationList.self).conversations.contains { $0.id == group.id }
            }
            try await waitFor("Bob's invitation on the phone") {
                try await phone.client.call(.conversationRequests, account: alice.id, as: API.ConversationRequestList.self).requests.contains { $0.conversation == bobs.id }
            }
            try await waitFor("the read on the phone") {
                try await phone.client.call(.message, account: alice.id, conversation: oneToOne, message: hi.id, as: API.Message.self).status == .displayed
            }
            // And back: the phone declines Bob's invitation, the laptop no longer lists it.
            _ = try await phone.client.call(.declineConversation, account: alice.id, conversation: bobs.id)
            let bobContactOnPhone = try await phone.client.call(.contact, account: alice.id, peer: bob.id, as: API.Contact.self)
            #expect(bobContactOnPhone.state == .active && bobContactOnPhone.confirmed)
        }
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(90), _ check: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await check()) == true { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw TestFailure("timed out waiting for \(what)")
    }
}
