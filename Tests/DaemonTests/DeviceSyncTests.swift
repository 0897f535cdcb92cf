@testable import Daemon
import DaemonClient
import DaemonWire
import Foundation
import SecureDHT
import DHT
import AccountSync
import Contacts
import Identity
import NIOCore
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
            try await waitUntil("Carol a contact on the phone") {
                try await phone.client.call(.contacts, account: alice.id, as: API.ContactList.self).contacts.contains { $0.id == carol.id && $0.state == .active }
            }
            try await waitUntil("the new group on the phone") {
                try await phone.client.call(.conversations, account: alice.id, as: API.ConversationList.self).conversations.contains { $0.id == group.id }
            }
            try await waitUntil("Bob's invitation on the phone") {
                try await phone.client.call(.conversationRequests, account: alice.id, as: API.ConversationRequestList.self).requests.contains { $0.conversation == bobs.id }
            }
            try await waitUntil("the read on the phone") {
                try await phone.client.call(.message, account: alice.id, conversation: oneToOne, message: hi.id, as: API.Message.self).status == .displayed
            }
            // And back: the phone leaves the group; the laptop hides it too.
            _ = try await phone.client.call(.leaveConversation, account: alice.id, conversation: group.id)
            try await waitUntil("the group left on the laptop too") {
                try await !laptop.client.call(.conversations, account: alice.id, as: API.ConversationList.self).conversations.contains { $0.id == group.id }
            }
            _ = try await phone.client.call(.declineConversation, account: alice.id, conversation: bobs.id)
            let bobContactOnPhone = try await phone.client.call(.contact, account: alice.id, peer: bob.id, as: API.Contact.self)
            #expect(bobContactOnPhone.state == .active && bobContactOnPhone.confirmed)
        }
    }

    /// A new device linked with a PIN (Jami 13.7's way): the laptop puts the archive on the DHT,
    /// a daemon with no account fetches it with the PIN and password and becomes a device of the
    /// account, then syncs with the laptop. A wrong PIN finds nothing.
    @Test func aDeviceLinkedWithAPinJoinsTheAccount() async throws {
        try await withTestNetwork { network in
            let (laptop, _, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            _ = try await laptop.client.call(.addContact, account: alice.id, body: API.AddContact(peer: bob.id))
            let phone = TestDaemon(network: network)
            try await phone.start()
            // Right before the link: the test network keeps type-0 values 12 s (Jami: 10 min).
            let link = try await laptop.client.call(.authorizeDevice, account: alice.id, body: API.AuthorizeDevice(), as: API.DeviceLink.self)
            #expect(link.pin.count == 8 && link.pin == link.pin.lowercased())
            let linked = try await phone.client.call(.linkDevice, body: API.LinkDevice(pin: link.pin.uppercased(), deviceName: "phone"), as: API.Account.self)
            let laptopDevice = try await laptop.daemon.runtime(alice.id).device.shortID.hex
            #expect(linked.id == alice.id && linked.device != laptopDevice)
            try await waitUntil("Bob a contact on the linked phone") {
                try await phone.client.call(.contacts, account: alice.id, as: API.ContactList.self).contacts.contains { $0.id == bob.id }
            }
            let other = TestDaemon(network: network)
            try await other.start()
            await #expect(throws: DaemonClientError.self) {
                _ = try await other.client.call(.linkDevice, body: API.LinkDevice(pin: "00000000", deviceName: "other"))
            }
        }
    }

    /// A device the account revoked (its certificate in the account's CRL on the DHT) gets
    /// nothing more: the laptop refuses its connection, and a contact added after is not synced.
    /// jamid writes its later sync messages on the first sync channel it has for a device,
    /// which may be the one we opened to it: what comes back on ours is merged too.
    @Test func messagesOnTheChannelWeOpenedAreMerged() async throws {
        try await withTestNetwork { network in
            let laptop = TestDaemon(network: network)
            try await laptop.start()
            let alice = try await laptop.createAccount("Alice")
            try await laptop.recorder.wait("Alice registered", timeout: .seconds(120)) { $0.type == .registration && $0.state == "registered" }
            let phone = TestDaemon(network: network)
            try await phone.start()
            let phoneRuntime = try await phone.daemon.importAccount(archive: try await laptop.daemon.exportAccount(alice.id).archive, password: nil, deviceName: "phone")
            try await laptop.recorder.wait("the laptop found the phone", timeout: .seconds(120)) { $0.type == .deviceFound }
            // The phone answers as jamid does: a contact, written on the channel the laptop opens.
            let stranger = PublicKeyID(hex: String(repeating: "7c", count: 20))!
            let message = SyncMessage(deviceSync: DeviceSync(contacts: [stranger: Contact(added: 1_700_000_000)]))
            try await phoneRuntime.connections().register(prefix: DeviceSyncService.channelPrefix + phoneRuntime.device.longID.hex) { channel, _ in
                try? await channel.write(ByteBuffer(bytes: message.encoded))
                do { for try await _ in channel.inbound {} } catch {}
            }
            let laptopRuntime = try await laptop.daemon.runtime(alice.id)
            let sync = try #require(await laptopRuntime.online?.sync)
            await sync.connect(to: phoneRuntime.device.shortID, long: phoneRuntime.device.longID)
            try await waitUntil("the phone's contact at the laptop") {
                try await laptop.client.call(.contacts, account: alice.id, as: API.ContactList.self).contacts.contains { $0.id == stranger.hex }
            }
        }
    }

    /// jamid also puts its DeviceSync in the DHT, at each device's inbox: merged when it comes
    /// from a device of this account, dropped from another account's.
    @Test func theLegacyDeviceSyncInTheDHTIsMergedFromOwnDevicesOnly() async throws {
        try await withTestNetwork { network in
            let (laptop, b, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            let phone = TestDaemon(network: network)
            try await phone.start()
            let phoneRuntime = try await phone.daemon.importAccount(archive: try await laptop.daemon.exportAccount(alice.id).archive, password: nil, deviceName: "phone")
            try await phone.recorder.wait("the phone registered", timeout: .seconds(120)) { $0.type == .registration && $0.state == "registered" }
            let laptopRuntime = try await laptop.daemon.runtime(alice.id), bobRuntime = try await b.daemon.runtime(bob.id)
            let inbox = DeviceDirectory.inbox(of: laptopRuntime.device.shortID)
            func put(_ contact: PublicKeyID, from runtime: AccountRuntime) async throws {
                let sync = DeviceSync(date: 1, contacts: [contact: Contact(added: 1_700_000_000)])
                let node = try #require(await runtime.online?.node)
                let value = Value(id: UInt64.random(in: 1...UInt64.max), type: ValueType.userData.id, data: sync.valueData)
                _ = try await node.putEncrypted(inbox, to: InfoHash(laptopRuntime.device.shortID), value)
            }
            let fromBob = PublicKeyID(hex: String(repeating: "3b", count: 20))!, fromPhone = PublicKeyID(hex: String(repeating: "4d", count: 20))!
            try await put(fromBob, from: bobRuntime)
            try await put(fromPhone, from: phoneRuntime)
            try await waitUntil("the phone's contact at the laptop") {
                try await laptop.client.call(.contacts, account: alice.id, as: API.ContactList.self).contacts.contains { $0.id == fromPhone.hex }
            }
            #expect(try await !laptop.client.call(.contacts, account: alice.id, as: API.ContactList.self).contacts.contains { $0.id == fromBob.hex })
        }
    }

    @Test func aRevokedDeviceGetsNothingMore() async throws {
        try await withTestNetwork { network in
            let (laptop, b, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            let exported = try await laptop.daemon.exportAccount(alice.id)
            let phone = TestDaemon(network: network)
            try await phone.start()
            let phoneRuntime = try await phone.daemon.importAccount(archive: exported.archive, password: nil, deviceName: "phone")
            try await laptop.recorder.wait("the laptop found the phone") { $0.type == .deviceFound }
            _ = try await laptop.client.call(.addContact, account: alice.id, body: API.AddContact(peer: bob.id))
            try await waitUntil("Bob a contact on the phone") {
                try await phone.client.call(.contacts, account: alice.id, as: API.ContactList.self).contacts.contains { $0.id == bob.id }
            }
            // Another account's device opening a sync channel to the laptop changes nothing.
            let bobRuntime = try await b.daemon.runtime(bob.id), laptopRuntime = try await laptop.daemon.runtime(alice.id)
            let socket = try await bobRuntime.connections().connect(laptopRuntime.device.shortID, now: true)
            let forged = SyncMessage(deviceSync: DeviceSync(contacts: [PublicKeyID(hex: String(repeating: "6b", count: 20))!: Contact(added: 1)]))
            if let channel = try? await socket.open(DeviceSyncService.channelPrefix + laptopRuntime.device.longID.hex) {
                try? await channel.write(ByteBuffer(bytes: forged.encoded))
                for try await _ in channel.inbound {}
            }
            let laptopContacts = try await laptop.client.call(.contacts, account: alice.id, as: API.ContactList.self).contacts
            #expect(!laptopContacts.contains { $0.id == String(repeating: "6b", count: 20) })
            await phone.stop()

            let archive = try ArchiveFile.open(exported.archive, password: nil)
            let crl = try RevocationList.sign(entries: [], number: RevocationList.randomNumber(), issuer: archive.accountCertificate, key: archive.accountKey)
                .revoking(leafOf: phoneRuntime.device.chain, issuer: archive.accountCertificate, key: archive.accountKey)
            let node = try #require(await laptop.daemon.runtime(alice.id).online?.node)
            #expect(try await node.publishRevocationList(crl, account: archive.accountID) > 0)
            // As after `rafiki account revoke-device` and a publish: the laptop's next start
            // reads the account's lists afresh (they are cached for five minutes).
            await laptop.stop()
            try await laptop.start()
            try await laptop.recorder.wait("the laptop registered again") { $0.type == .registration && $0.state == "registered" }
            let stranger = String(repeating: "5a", count: 20)
            _ = try await laptop.client.call(.addContact, account: alice.id, body: API.AddContact(peer: stranger))

            try await phone.start()
            try await laptop.recorder.wait("the revoked phone refused") {
                $0.type == .connectionState && $0.device == phoneRuntime.device.shortID.hex && $0.state == "failed"
            }
            try await Task.sleep(for: .seconds(5))
            let contacts = try await phone.client.call(.contacts, account: alice.id, as: API.ContactList.self).contacts
            #expect(!contacts.contains { $0.id == stranger }, "the revoked phone got a contact added after its revocation")
        }
    }
}
