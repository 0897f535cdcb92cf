import Foundation
import Identity

/// The device that writes commits: its key, its chain (device → account → CA) and the name
/// shown in the author line.
public struct SwarmAuthor: Sendable {
    public let device: DeviceIdentity
    public let displayName: String?

    /// `admins/` and `members/` hold the account certificate and its CA; `devices/` the device
    /// certificate alone.
    let accountChainPEM: [UInt8]
    let devicePEM: [UInt8]

    public init(device: DeviceIdentity, displayName: String?) throws(SwarmError) {
        guard device.chain.encodings.count >= 2 else { throw .refused("the device chain has no account certificate") }
        self.device = device
        self.displayName = displayName
        do {
            accountChainPEM = Array(try CertificateChain(derEncodings: Array(device.chain.encodings.dropFirst())).pem.utf8)
            devicePEM = Array(try CertificateChain(derEncodings: [device.chain.encodings[0]]).pem.utf8)
        } catch {
            throw .refused("the device chain does not parse: \(error)")
        }
    }

    /// The account id (40 hex): the SHA-1 key id of the account certificate.
    public var account: String { device.chain.certificates[1].keyID.hex }
    /// The device long id (64 hex), the author line's e-mail.
    public var deviceID: String { device.longID.hex }

    /// Jami's author name: the display name without `<` and `>` (and, for libgit2, without
    /// line breaks), else the device id.
    var name: String {
        let cleaned = (displayName ?? "").filter { !"<>\n\r\0".contains($0) }.trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? deviceID : cleaned
    }

    func sign(_ bytes: [UInt8]) throws(SwarmError) -> [UInt8] {
        do { return try device.key.sign(bytes) } catch { throw .refused("signing failed: \(error)") }
    }
}
