import Crypto

/// Write tokens (§8.4): SHA-256(secret ‖ requester IP ‖ port). The secret rotates every 15–45 min
/// and the previous one is still accepted, so a token stays valid for at least one rotation.
struct WriteTokens {
    private var secret: [UInt8]
    private var previousSecret: [UInt8]
    private(set) var nextRotation: Int64
    /// The last requester's current token. Queries come in bursts from one peer (get, then put
    /// and listen), so this saves most SHA-256 runs on the reply path.
    private var memo: (address: PeerAddress, token: [UInt8])?

    init<G: RandomNumberGenerator>(now: Int64, rng: inout G) {
        secret = Self.makeSecret(&rng)
        previousSecret = secret
        nextRotation = now + Self.rotationDelay(&rng)
    }

    mutating func rotateIfDue<G: RandomNumberGenerator>(now: Int64, rng: inout G) {
        guard now >= nextRotation else { return }
        previousSecret = secret
        secret = Self.makeSecret(&rng)
        memo = nil
        nextRotation = now + Self.rotationDelay(&rng)
    }

    mutating func token(for address: PeerAddress) -> [UInt8] {
        if let memo, memo.address == address { return memo.token }
        let token = Self.make(secret, address)
        memo = (address, token)
        return token
    }

    mutating func isValid(_ token: [UInt8], for address: PeerAddress) -> Bool {
        token == self.token(for: address) || token == Self.make(previousSecret, address)
    }

    private static func make(_ secret: [UInt8], _ a: PeerAddress) -> [UInt8] {
        var h = SHA256()
        h.update(data: secret)
        switch a.ip {
        case .v4(let ip): withUnsafeBytes(of: ip.bigEndian) { h.update(bufferPointer: $0) }
        case .v6(let hi, let lo): withUnsafeBytes(of: (hi.bigEndian, lo.bigEndian)) { h.update(bufferPointer: $0) }
        }
        withUnsafeBytes(of: a.port.bigEndian) { h.update(bufferPointer: $0) }
        return h.finalize().withUnsafeBytes { Array($0) }
    }

    private static func makeSecret<G: RandomNumberGenerator>(_ rng: inout G) -> [UInt8] {
        withUnsafeBytes(of: rng.next()) { Array($0) }
    }

    private static func rotationDelay<G: RandomNumberGenerator>(_ rng: inout G) -> Int64 {
        Int64.random(in: DHTConstants.tokenRotationMin...DHTConstants.tokenRotationMax, using: &rng)
    }
}
