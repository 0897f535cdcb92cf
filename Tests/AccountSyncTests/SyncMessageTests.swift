@testable import AccountSync
import Contacts
import Identity
import MessagePack
import Testing

@Suite struct SyncMessageTests {
    /// A SyncMsg laid out as jamid's msgpack-c writes it (maps in MSGPACK_DEFINE_MAP order),
    /// made with Python's msgpack: contacts, a trust request, a conversation, an invitation.
    static let jamidShaped = Hex.decode("9486a464617465cf17979cfe3d85cd15ab6465766963655f6e616d65a0ad646576696365735f6b6e6f776e80a76465766963657380a5706565727381c414111111111111111111111111111111111111111185a56164646564ce6553f100a772656d6f76656400a9636f6e6669726d6564c3a662616e6e6564c2ae636f6e766572736174696f6e4964d92861626162616261626162616261626162616261626162616261626162616261626162616261626162ae74727573745f726571756573747381c414222222222222222222222222222222222222222284a6646576696365c4023082ae636f6e766572736174696f6e4964a0a87265636569766564ce6553f101a77061796c6f6164c40081d9286364636463646364636463646364636463646364636463646364636463646364636463646364636486a26964d92863646364636463646364636463646364636463646364636463646364636463646364636463646364a763726561746564ce6553f0ffa772656d6f76656400a665726173656400a76d656d6265727391d92831313131313131313131313131313131313131313131313131313131313131313131313131313131ad6c617374446973706c61796564d9286566656665666566656665666566656665666566656665666566656665666566656665666566656681d9283938393839383938393839383938393839383938393839383938393839383938393839383938393885a466726f6dd92832323232323232323232323232323232323232323232323232323232323232323232323232323232ae636f6e766572736174696f6e4964d92839383938393839383938393839383938393839383938393839383938393839383938393839383938a96d657461646174617381a57469746c65a3746561a87265636569766564ce6553f102a86465636c696e65640080")!

    @Test func aMessageShapedAsJamidsReads() throws {
        let m = try SyncMessage(parsing: Self.jamidShaped)
        let peer = PublicKeyID(hex: String(repeating: "11", count: 20))!
        #expect(m.deviceSync.date == 1_700_000_000_123_456_789)
        #expect(m.deviceSync.contacts == [peer: Contact(added: 1_700_000_000, confirmed: true, conversationId: String(repeating: "ab", count: 20))])
        #expect(m.deviceSync.requests[PublicKeyID(hex: String(repeating: "22", count: 20))!]?.received == 1_700_000_001)
        let c = try #require(m.conversations[String(repeating: "cd", count: 20)])
        #expect(c.created == 1_699_999_999 && c.members == [peer.hex] && c.lastDisplayed == String(repeating: "ef", count: 20))
        #expect(m.requests[String(repeating: "98", count: 20)]?.metadata == ["title": "tea"])
        // What we write reads back the same.
        #expect(try SyncMessage(parsing: m.encoded) == m)
    }

    @Test func aLargeStateIsSpreadOverMessagesThatEachFitAFrame() throws {
        var ds = DeviceSync(date: 1)
        for i in 0..<3000 {
            var id = [UInt8](repeating: 0, count: 20)
            id[0] = UInt8(i & 0xff); id[1] = UInt8(i >> 8)
            ds.contacts[PublicKeyID(bytes: id)!] = Contact(added: Int64(i), conversationId: String(repeating: "a", count: 40))
        }
        for i in 0..<30 { ds.requests[PublicKeyID(bytes: [UInt8](repeating: UInt8(i), count: 20))!] = DeviceSync.Request(deviceKey: [], conversationId: "", received: 1) }
        let conversations = Dictionary(uniqueKeysWithValues: (0..<500).map { i in
            let id = String(repeating: String(format: "%02x", i % 256), count: 20)
            return ("\(id.prefix(36))\(String(format: "%04x", i))", ConversationInfo(id: id, created: 1, members: [String(repeating: "b", count: 40)]))
        })
        let messages = SyncMessage.messages(ds, conversations: conversations, requests: [:])
        #expect(messages.count > 2)
        var contacts: [PublicKeyID: Contact] = [:], seen: [String: ConversationInfo] = [:]
        for m in messages {
            #expect(m.encoded.count <= SyncMessage.maxBytes)
            let back = try SyncMessage(parsing: m.encoded)
            contacts.merge(back.deviceSync.contacts) { a, _ in a }
            seen.merge(back.conversations) { a, _ in a }
            #expect(back.deviceSync.requests.count <= DeviceSync.maxRequests)
        }
        #expect(contacts == ds.contacts && seen == conversations)
    }

    @Test(arguments: [
        [UInt8](), [0x90], [0xc1], [0x91, 0x01], [0x94, 0x80, 0x01, 0x80, 0x80],
        MessagePackValue.array([.map([MessagePackPair(.string("peers"), .map([MessagePackPair(.binary([1, 2]), .map([]))]))])]).encoded,
        MessagePackValue.array([.map([MessagePackPair(.string("date"), .string("soon"))])]).encoded,
        MessagePackValue.array([.map([]), .map([MessagePackPair(.string("x"), .map([MessagePackPair(.string("members"), .array([.int(1)]))]))])]).encoded,
        [UInt8](repeating: 0x91, count: 70_000),
    ])
    func malformedMessagesAreRefused(_ bytes: [UInt8]) {
        #expect(throws: SyncError.self) { try SyncMessage(parsing: bytes) }
    }
}
