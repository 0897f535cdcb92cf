import Contacts
import Daemon
import Foundation
import NameService

/// libFuzzer entry for the JSON the daemon decodes from its clients and its home folder: the
/// request bodies of `/v1` (new account, import, profile, contact), then the checks the daemon
/// runs on them before doing anything (account input, peer reference, vCard), `config.json`
/// with its address checks, and `api.json` with the check the CLI runs on its address. Each
/// must fail with a typed error or succeed. The first byte picks the type so one corpus
/// exercises all.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAPIBodies(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let body = Data(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let decoder = JSONDecoder()
    switch data[0] % 6 {
    case 0:
        guard let b = try? decoder.decode(API.NewAccount.self, from: body),
              let input = try? AccountInput(password: b.password, deviceName: b.deviceName ?? "rafiki", displayName: b.displayName) else { return 0 }
        if let profile = input.profile, let name = b.displayName {
            precondition(profile.count <= TrustRequest.maxPayload)
            // An accepted display name is what peers will read back.
            precondition(name.isEmpty || VCard.displayName(in: profile) == name, "display name lost: \(Array(name.unicodeScalars))")
        }
    case 1:
        guard let b = try? decoder.decode(API.ImportAccount.self, from: body) else { return 0 }
        _ = Data(base64Encoded: b.archive)
        _ = try? AccountInput(password: b.password, deviceName: b.deviceName ?? "rafiki", displayName: nil)
    case 2:
        guard let b = try? decoder.decode(API.Profile.self, from: body) else { return 0 }
        let vcard = VCard.make(displayName: b.displayName, photoBase64: b.avatar, photoType: b.avatarType ?? "JPEG")
        if let name = VCard.displayName(in: vcard) { precondition(name.count <= VCard.maxDisplayName) }
    case 3:
        guard let b = try? decoder.decode(API.AddContact.self, from: body) else { return 0 }
        _ = try? PeerReference(b.peer)
    case 4:
        guard let c = try? decoder.decode(DaemonConfiguration.self, from: body) else { return 0 }
        _ = try? c.validate()
    default:
        // As the CLI reads it: the address must pass the same check before anything dials it.
        guard let endpoint = try? decoder.decode(APIEndpoint.self, from: body), let url = endpoint.url,
              let checked = try? ServerURL(url) else { return 0 }
        precondition((try? ServerURL(checked.string)) == checked)
    }
    return 0
}
