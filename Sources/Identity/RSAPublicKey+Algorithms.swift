import Crypto
import _CryptoExtras
import SwiftASN1

extension RSAPublicKey {
    /// Checks a PKCS#1 v1.5 signature made with the digest `algorithm` names (SHA-256/384/512).
    func isValidSignature(_ signature: [UInt8], for data: [UInt8], algorithm: ASN1ObjectIdentifier) -> Bool {
        switch algorithm {
        case RevocationList.sha512WithRSA: return isValidSignature(signature, for: data)
        case [1, 2, 840, 113_549, 1, 1, 12]:
            return signing.isValidSignature(.init(rawRepresentation: signature), for: SHA384.hash(data: data), padding: .insecurePKCS1v1_5)
        case [1, 2, 840, 113_549, 1, 1, 11]:
            return signing.isValidSignature(.init(rawRepresentation: signature), for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        default: return false
        }
    }
}
