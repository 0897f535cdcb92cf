import Contacts
import DHT
import Identity

/// libFuzzer entry for what the daemon parses from the network: trust requests (decrypted inbox
/// values), device announcements (at an account key), peer references typed by people or sent
/// by API clients, vCards, ImMessages (decrypted inbox values of type 3, which must
/// re-encode to themselves) and their payloads (read receipts, typing, invitations, commit
/// notifications). Each must fail with a typed error or succeed. The first byte picks the parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContacts(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 6 {
    case 0:
        if let r = try? TrustRequest(decoding: bytes) { _ = VCard.displayName(in: r.payload) }
    case 1:
        var v = Value(id: 1, type: 0, data: bytes)
        v.owner = Array(bytes.prefix(64))
        v.signature = [1]
        _ = try? DeviceAnnouncement(value: v, account: PublicKeyID(spki: v.owner ?? []))
    case 2: _ = try? PeerReference(String(decoding: bytes, as: UTF8.self))
    case 3: _ = VCard.displayName(in: bytes)
    case 4:
        let text = String(decoding: bytes, as: UTF8.self)
        _ = ImPayload.parseDisplayed(text)
        _ = ImPayload.parseComposing(text)
        _ = ImPayload.parseInvitation(text)
        _ = ImPayload.parseGitMessage(text)
    default:
        if let m = try? ImMessage(decoding: bytes) { precondition((try? ImMessage(decoding: m.encoded())) == m) }
    }
    return 0
}
