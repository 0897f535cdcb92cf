import DHT
import Identity
import SecureDHT

/// libFuzzer entry for the identity parsers: certificates (PEM and DER, with or without
/// OpenDHT's msgpack bin header), private and public keys, CRLs, archive JSON and archive files,
/// decrypted value wrappers and their signatures, and chain verification (which re-reads each
/// certificate's exact DER). Every one must fail with a typed error or succeed; a trap or
/// sanitizer report is a bug. The first byte picks the parser so one corpus exercises all.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIdentity(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 8 {
    case 0: _ = try? CertificateChain(pemOrDER: bytes)
    case 1: _ = try? RevocationList(pemOrDER: bytes)
    case 2: _ = try? AccountArchive(json: bytes)
    case 3: _ = try? ArchiveFile.open(bytes, password: nil)  // no password: Argon2 would dominate
    case 4: _ = try? RSAPublicKey(pemOrDER: bytes)
    case 5: _ = try? RSAPrivateKey(pemOrDER: bytes)
    case 6:
        if let v = try? Value(id: 1, wrapper: bytes), v.isSigned { try? v.verifySignature() }
    default:
        if let chain = try? CertificateChain(pemOrDER: bytes) {
            try? ChainVerifier().verify(chain)
            _ = chain.rawSerial(at: 0)
        }
    }
    return 0
}
