import Testing
@testable import Identity

@Suite struct KeyTests {
    @Test func hexRoundTrip() {
        let id = PublicKeyID(spki: [1, 2, 3])
        #expect(PublicKeyID(hex: id.hex) == id)
        #expect(PublicKeyID(hex: id.hex.uppercased()) == id)
        #expect(PublicKeyID(hex: "zz") == nil)
    }
}
