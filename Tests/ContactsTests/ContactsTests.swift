import Contacts
import DHT
import Identity
import Testing

@Suite struct TrustRequestTests {
    static func hex(_ b: [UInt8]) -> String { b.map { String(($0 >> 4), radix: 16) + String($0 & 15, radix: 16) }.joined() }

    @Test func encodesAsOpenDHTDoes() {
        // msgpack-c's MSGPACK_DEFINE_MAP order (service, conversationId, payload, confirm), as
        // python-msgpack packs the same dict.
        let r = TrustRequest(payload: Array("hi".utf8))
        #expect(Self.hex(r.encoded()) == "84a773657276696365a763782e72696e67ae636f6e766572736174696f6e4964a0a77061796c6f6164c4026869a7636f6e6669726dc2")
        #expect(r.value(id: 5).type == 4)
    }

    @Test func decodesAnyKeyOrderAndSkipsUnknownKeys() throws {
        var r = TrustRequest(conversationId: String(repeating: "ab", count: 20), payload: [1, 2, 3], confirm: true)
        r.invitedMs = 1_700_000_000_000
        #expect(try TrustRequest(decoding: r.encoded()) == r)
    }

    @Test func refusesOtherServicesAndBadShapes() {
        var other = TrustRequest()
        other.service = "org.example"
        #expect(throws: ContactsError.wrongService("org.example")) { try TrustRequest(decoding: other.encoded()) }
        #expect(throws: ContactsError.self) { try TrustRequest(decoding: [0x93, 1, 2, 3]) }
        #expect(throws: ContactsError.self) { try TrustRequest(decoding: []) }
        #expect(throws: ContactsError.self) { try TrustRequest(decoding: TrustRequest(conversationId: "../etc").encoded()) }
    }
}

@Suite struct PeerReferenceTests {
    static let id = "0123456789abcdef0123456789abcdef01234567"

    @Test(arguments: [id, id.uppercased(), "jami:" + id, "ring:" + id, "jami://" + id, id + "@ring.dht", "jami:" + id + "@jami.dht", "  \(id)\n"])
    func accountForms(_ text: String) throws {
        #expect(try PeerReference(text) == .account(PublicKeyID(hex: Self.id)!))
    }

    @Test func usernamesAndRefusals() throws {
        #expect(try PeerReference("Alice_99") == .username("alice_99"))
        for bad in ["", "ab", "jami:alice", "jami:xyz", "a b c", "ünï", String(repeating: "x", count: 33), "a.b"] {
            #expect(throws: ContactsError.self, "\(bad)") { try PeerReference(bad) }
        }
    }
}

@Suite struct VCardTests {
    @Test func roundTripsTheDisplayName() {
        #expect(VCard.displayName(in: VCard.make(displayName: "Jay, from; jamid")) == "Jay, from; jamid")
        #expect(VCard.displayName(in: Array("BEGIN:VCARD\nFN;CHARSET=UTF-8:Zoë\nEND:VCARD".utf8)) == "Zoë")
        #expect(VCard.displayName(in: Array("garbage".utf8)) == nil)
        #expect(VCard.displayName(in: Array("FN:\u{7}\u{1b}[31mred".utf8)) == "[31mred")
    }

    /// Found by FuzzAPIBodies: a name starting with a combining mark fused with the `:` before
    /// it into one `Character`, so the `FN` line was not found and the name was lost.
    @Test func aNameStartingWithACombiningMarkRoundTrips() {
        for name in ["\u{365}er", "a\u{301},\u{301};\u{301}\\\u{301}b", "\u{301}"] {
            #expect(VCard.displayName(in: VCard.make(displayName: name)) == name, "\(Array(name.unicodeScalars))")
        }
    }

    /// What the API passes as a photo and its type cannot add lines to the card.
    @Test func thePhotoAndItsTypeStayOnTheirLine() {
        let card = String(decoding: VCard.make(displayName: "Ada", photoBase64: "AAAA\r\nFN:Mallory", photoType: "PNG\r\nFN:Eve"), as: UTF8.self)
        #expect(card.components(separatedBy: "\r\n") == ["BEGIN:VCARD", "VERSION:2.1", "FN:Ada", "PHOTO;ENCODING=BASE64;TYPE=PNGFNEve:AAAAFNMallory", "END:VCARD"])
        #expect(VCard.displayName(in: Array(card.utf8)) == "Ada")
    }
}

@Suite struct ContactRulesTests {
    let alice = PublicKeyID(spki: [1]), device = PublicKeyID(spki: [2])

    func receive(_ r: TrustRequest, contact: Contact? = nil, pending: IncomingRequest? = nil, count: Int = 0) -> ContactRules.Outcome {
        ContactRules.received(r, from: alice, device: device, contact: contact, pending: pending, pendingCount: count, pendingLimit: 3, now: 100)
    }

    @Test func aNewRequestIsStoredAndAnnounced() {
        let o = receive(TrustRequest(payload: [9]))
        #expect(o.request?.payload == [9] && o.events.count == 1 && o.answer == nil)
    }

    @Test func aKnownContactIsAnsweredAutomatically() {
        let conv = String(repeating: "c", count: 40)
        let o = receive(TrustRequest(), contact: Contact(added: 50, conversationId: conv))
        #expect(o.answer == conv && o.contact?.confirmed == true && o.events == [.contactConfirmed(alice)] && o.request == nil)
    }

    @Test func bannedAndStrangersConfirmationsAndFloodsAreIgnored() {
        #expect(receive(TrustRequest(), contact: Contact(added: 1, removed: 5, banned: true)).ignored != nil)
        #expect(receive(TrustRequest(confirm: true)).ignored != nil)
        #expect(receive(TrustRequest(), count: 3).ignored != nil)
    }

    @Test func aRepeatedRequestKeepsItsDate() {
        let pending = IncomingRequest(from: alice, device: device, conversationId: "", received: 10, payload: [1])
        #expect(receive(TrustRequest(payload: [1]), pending: pending).ignored != nil)
        #expect(receive(TrustRequest(payload: [2]), pending: pending).request?.received == 10)
    }

    @Test func statesAndMerge() {
        var c = ContactRules.add(nil, conversationId: "", now: 10)
        #expect(c.state == .active && !c.confirmed)
        c = ContactRules.remove(c, ban: true, now: 20)
        #expect(c.state == .banned)
        #expect(ContactRules.unban(c).state == .removed)
        #expect(ContactRules.add(c, conversationId: "", now: 20).state == .active)  // same second as the removal
        let other = Contact(added: 30, confirmed: true, conversationId: "x")
        let m = c.merged(with: other)
        #expect(m.added == 30 && m.confirmed && m.conversationId == "x" && m.state == .active)
    }
}
