import Foundation
import Identity
import NameService

/// libFuzzer entry for what a name server and its clients parse: registration bodies (JSON,
/// then the key, signature and address checks), lookup answers, names, `user@host` queries and
/// account addresses. Each must fail with a typed error or succeed. The first byte picks the
/// parser so one corpus exercises all.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNameService(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let text = String(decoding: bytes, as: UTF8.self)
    switch data[0] % 5 {
    case 0:
        if let request = try? JSONDecoder().decode(RegistrationRequest.self, from: Data(bytes)) {
            _ = try? NameRecord.verified(name: "fuzz-name", request: request)
        }
    case 1:
        if let answer = try? JSONDecoder().decode(NameLookupResponse.self, from: Data(bytes)) {
            _ = try? AccountAddress.parse(answer.addr)
            _ = try? NameRecord.verified(name: answer.name, request: RegistrationRequest(
                addr: answer.addr, owner: nil, signature: answer.signature, publickey: answer.publickey))
        }
    case 2: _ = try? NameRules.canonical(text)
    case 3: _ = try? NameQuery(text)
    default: _ = try? AccountAddress.parse(text)
    }
    return 0
}
