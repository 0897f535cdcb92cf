import Synchronization

/// Token buckets per client IP for registrations: each client may register `burst` names at
/// once, then one every `interval`. Registrations cost an RSA verification and a durable write,
/// and names are scarce, so one host must not be able to squat them in bulk.
///
/// The table is bounded (`maxClients`): when full, buckets that have refilled completely are
/// dropped first, since forgetting them loses nothing; if none has, the oldest is dropped.
/// `allow` is O(1) amortized; the sweep is O(n) and runs only when the table fills.
public final class RegistrationRateLimiter: Sendable {
    public struct Policy: Sendable {
        public var burst: Int
        public var interval: Duration
        public var maxClients: Int

        /// `burst` 0 turns limiting off.
        public init(burst: Int = 5, interval: Duration = .seconds(60), maxClients: Int = 100_000) {
            self.burst = burst
            self.interval = interval
            self.maxClients = maxClients
        }

        public static let unlimited = Policy(burst: 0)
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let policy: Policy
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(policy: Policy) {
        self.policy = policy
    }

    /// Takes one token for `client`; false (with the wait until the next token) when none is left.
    public func allow(_ client: String, now: ContinuousClock.Instant = .now) -> (allowed: Bool, retryAfter: Duration) {
        guard policy.burst > 0 else { return (true, .zero) }
        let perToken = policy.interval
        let burst = Double(policy.burst)
        return buckets.withLock { table in
            var bucket = table[client] ?? Bucket(tokens: burst, updated: now)
            let refilled = (now - bucket.updated) / perToken
            bucket.tokens = min(burst, bucket.tokens + refilled)
            bucket.updated = now
            if table[client] == nil, table.count >= policy.maxClients { Self.evict(from: &table, now: now, burst: burst, perToken: perToken) }
            guard bucket.tokens >= 1 else {
                table[client] = bucket
                return (false, perToken * (1 - bucket.tokens))
            }
            bucket.tokens -= 1
            table[client] = bucket
            return (true, .zero)
        }
    }

    private static func evict(from table: inout [String: Bucket], now: ContinuousClock.Instant, burst: Double, perToken: Duration) {
        let full = table.filter { $0.value.tokens + (now - $0.value.updated) / perToken >= burst }.map(\.key)
        if !full.isEmpty {
            for key in full { table[key] = nil }
        } else if let oldest = table.min(by: { $0.value.updated < $1.value.updated }) {
            table[oldest.key] = nil
        }
    }
}
