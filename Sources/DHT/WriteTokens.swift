import Crypto

/// Write tokens (§8.4): SHA-256(secret ‖ requester IP ‖ port). The secret rotates every 15–45 min
/// and the previous one is still accepted, so a token stays valid for at least one rotation.
struct WriteTokens {
    private var secret: [UInt8]
    private var previousSecret: [UInt8]
    private(set) var nextRotation: Int64

    init<G: RandomNumberGenerator>(now: Int64, rng: inout G) {
        secret = Self.makeSecret(&rng)
        previousSecret = secret
        nextRotation = now + Self.rotationDelay(&rng)
    }

    mutating func rotateIfDue<G: RandomNumberGenerator>(now: Int64, rng: inout G) {
        guard now >= nextRotation else { return }
        previousSecret = secret
        secret = Self.makeSecret(&rng)
        nextRotation = now + Self.rotationDelay(&rng)
    }

    func token(for address: PeerAddress) -> [UInt8] {
        Self.make(secret, address)
    }

    func isValid(_ token: [UInt8], for address: PeerAddress) -> Bool {
        token == Self.make(secret, address) || token == Self.make(previousSecret, address)
    }

    private static func make(_ secret: [UInt8], _ a: PeerAddress) -> [UInt8] {
        var h = SHA256()
        h.update(data: secret)
        h.update(data: a.addressBytes)
        h.update(data: [UInt8(a.port >> 8), UInt8(truncatingIfNeeded: a.port)])
        return Array(h.finalize())
    }

    private static func makeSecret<G: RandomNumberGenerator>(_ rng: inout G) -> [UInt8] {
        withUnsafeBytes(of: rng.next()) { Array($0) }
    }

    private static func rotationDelay<G: RandomNumberGenerator>(_ rng: inout G) -> Int64 {
        Int64.random(in: DHTConstants.tokenRotationMin...DHTConstants.tokenRotationMax, using: &rng)
    }
}
