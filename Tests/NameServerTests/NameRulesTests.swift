import Identity
import NameService
import Testing

@Suite struct NameRulesTests {
    @Test func validNamesAreLowerCased() throws {
        #expect(try NameRules.canonical("alice") == "alice")
        #expect(try NameRules.canonical("Alice_Smith-42") == "alice_smith-42")
        #expect(try NameRules.canonical("abc") == "abc")
        #expect(try NameRules.canonical(String(repeating: "z", count: 32)) == String(repeating: "z", count: 32))
    }

    @Test(arguments: ["", "ab", String(repeating: "a", count: 33), "al ice", "alice!", "al.ice", "alice@host", "ålice",
                      "аlice" /* Cyrillic а */, "a\u{0}bc", "../etc", "name%20x", "ALİCE"])
    func invalidNames(_ name: String) {
        #expect(throws: NameServiceError.invalidName) { try NameRules.canonical(name) }
    }

    @Test func addressesAcceptJamisForms() throws {
        let hex = "0123456789abcdef0123456789abcdef01234567"
        for form in [hex, "0x" + hex, hex.uppercased(), "jami:" + hex, "ring:" + hex] {
            #expect(try AccountAddress.parse(form).hex == hex)
        }
        for bad in ["", "0x", String(hex.dropLast()), hex + "0", "zz" + hex.dropFirst(2), String(repeating: "0", count: 40), "0x0"] {
            #expect(throws: NameServiceError.invalidAddress) { try AccountAddress.parse(bad) }
        }
    }

    @Test func queriesMayNameTheirServer() throws {
        #expect(try NameQuery("Alice") == NameQuery("alice"))
        #expect(try NameQuery("alice").server == nil)
        let remote = try NameQuery("bob@ns.example.org")
        #expect(remote.name == "bob" && remote.server?.string == "https://ns.example.org")
        #expect(throws: NameServiceError.self) { try NameQuery("bob@") }
        #expect(throws: NameServiceError.self) { try NameQuery("bob@evil/path") }
        #expect(throws: NameServiceError.invalidName) { try NameQuery("b@example.org") }
    }
}

@Suite struct RegistrationVerificationTests {

    @Test func signedRegistrationVerifies() async throws {
        let key = try await TestKeys.pool()[0]
        let request = try RegistrationRequest.signed(name: "Alice", accountKey: key)
        let record = try NameRecord.verified(name: "alice", request: request)
        #expect(record.name == "alice" && record.address == key.publicKey.id)
        #expect(record.owner == "0x" + key.publicKey.id.hex)
        // The URL may carry capitals: the signature covers the canonical name.
        #expect(try NameRecord.verified(name: "ALICE", request: request) == record)
    }

    @Test func tamperingIsRefused() async throws {
        let keys = try await TestKeys.pool()
        let (key, other) = (keys[0], keys[1])
        let request = try RegistrationRequest.signed(name: "alice", accountKey: key)
        #expect(throws: NameServiceError.badSignature) { try NameRecord.verified(name: "alicia", request: request) }

        var otherAddress = request
        otherAddress.addr = other.publicKey.id.hex
        #expect(throws: NameServiceError.keyMismatch) { try NameRecord.verified(name: "alice", request: otherAddress) }

        var forged = try RegistrationRequest.signed(name: "alice", accountKey: other)
        forged.addr = key.publicKey.id.hex
        #expect(throws: NameServiceError.keyMismatch) { try NameRecord.verified(name: "alice", request: forged) }

        var noKey = request
        noKey.publickey = nil
        #expect(throws: NameServiceError.missingPublicKey) { try NameRecord.verified(name: "alice", request: noKey) }
        noKey.publickey = "bm90IGEga2V5"  // "not a key"
        #expect(throws: NameServiceError.missingPublicKey) { try NameRecord.verified(name: "alice", request: noKey) }

        var noSignature = request
        noSignature.signature = ""
        #expect(throws: NameServiceError.missingSignature) { try NameRecord.verified(name: "alice", request: noSignature) }
        noSignature.signature = "!!!"
        #expect(throws: NameServiceError.missingSignature) { try NameRecord.verified(name: "alice", request: noSignature) }

        var badOwner = request
        badOwner.owner = "0xnothex"
        #expect(throws: NameServiceError.malformedBody("owner must be a hex address")) { try NameRecord.verified(name: "alice", request: badOwner) }

        var noAddress = request
        noAddress.addr = nil
        #expect(throws: NameServiceError.invalidAddress) { try NameRecord.verified(name: "alice", request: noAddress) }
    }
}
