import Identity

/// libFuzzer entry for the identity parsers: certificates (PEM and DER, with or without
/// OpenDHT's msgpack bin header), private and public keys, CRLs, archive JSON and archive files.
/// Every one must fail with a typed error or succeed; a trap or sanitizer report is a bug.
/// The first byte picks the parser so one corpus exercises all of them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIdentity(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 6 {
    case 0: _ = try? CertificateChain(pemOrDER: bytes)
    case 1: _ = try? RevocationList(pemOrDER: bytes)
    case 2: _ = try? AccountArchive(json: bytes)
    case 3: _ = try? ArchiveFile.open(bytes, password: nil)  // no password: Argon2 would dominate
    case 4: _ = try? RSAPublicKey(pemOrDER: bytes)
    default: _ = try? RSAPrivateKey(pemOrDER: bytes)
    }
    return 0
}
