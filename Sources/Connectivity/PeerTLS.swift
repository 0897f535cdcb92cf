import Identity
import NIOCore
import NIOSSL

/// TLS for peer sockets, within what jamid's GnuTLS priority string allows
/// (`SECURE192:-RSA:+GROUP-X25519…`): TLS 1.3 with AES-256-GCM or ChaCha20, TLS 1.2 with
/// ECDHE-RSA and the same ciphers; groups X25519, P-384, P-521; SHA-384 and SHA-512
/// signatures only. The minimum stays at TLS 1.2 so our ClientHello carries
/// `renegotiation_info`, which jamid as a server insists on.
///
/// Each side presents its full chain (device, account, CA: exactly what it publishes), and
/// checks the peer's with its own rules (``PeerTLS/Verifier``), never a trust store.
public enum PeerTLS {
    /// Decides whether the chain a peer presented is acceptable; runs once per handshake.
    public typealias Verifier = @Sendable (CertificateChain) async -> Result<Void, ConnectivityError>

    /// One context per device identity: building it parses the key, so it is shared by every
    /// socket of the account. Either role uses it.
    public static func context(for identity: DeviceIdentity) throws(ConnectivityError) -> NIOSSLContext {
        do {
            var c = TLSConfiguration.makeServerConfiguration(
                certificateChain: try identity.chain.encodings.map { .certificate(try NIOSSLCertificate(bytes: $0, format: .der)) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.key.pkcs8PEM.utf8), format: .pem)))
            c.minimumTLSVersion = .tlsv12
            c.maximumTLSVersion = .tlsv13
            c.cipherSuiteValues = [
                .TLS_AES_256_GCM_SHA384, .TLS_CHACHA20_POLY1305_SHA256,
                .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ]
            c.curves = [.x25519, .secp384r1, .secp521r1]
            let algorithms: [SignatureAlgorithm] = [
                .rsaPssRsaeSha384, .rsaPssRsaeSha512, .rsaPkcs1Sha384, .rsaPkcs1Sha512,
                .ecdsaSecp384R1Sha384, .ecdsaSecp521R1Sha512,
            ]
            c.signingSignatureAlgorithms = algorithms
            c.verifySignatureAlgorithms = algorithms
            // Verification is ours (the callback); this mode makes the server ask for, and
            // require, the client's certificate.
            c.certificateVerification = .noHostnameVerification
            c.renegotiationSupport = .none
            return try NIOSSLContext(configuration: c)
        } catch {
            throw .tls("cannot build the TLS context: \(error)")
        }
    }

    /// The handler for one socket. ICE decides the role: the controlling side is the client.
    public static func handler(context: NIOSSLContext, isClient: Bool, verify: @escaping Verifier) throws(ConnectivityError) -> NIOSSLHandler {
        let callback: NIOSSLCustomVerificationCallback = { certificates, promise in
            let ders: [[UInt8]]
            do {
                ders = try certificates.map { try $0.toDERBytes() }
            } catch {
                promise.succeed(.failed)
                return
            }
            promise.completeWithTask {
                guard let chain = try? CertificateChain(derEncodings: ders), case .success = await verify(chain) else { return .failed }
                return .certificateVerified
            }
        }
        do {
            return isClient
                ? try NIOSSLClientHandler(context: context, serverHostname: nil, customVerificationCallback: callback)
                : NIOSSLServerHandler(context: context, customVerificationCallback: callback)
        } catch {
            throw .tls("cannot start TLS: \(error)")
        }
    }
}
