/// A token bucket for the RSA work that values at our connection-request keys cost before
/// anything else can be checked: each is encrypted to us, so who sent it, and whether it is a
/// request at all, is only known after a private-key decryption (about 3 ms with RSA-4096).
/// Anyone can put values there, from as many identities as they like; without a bound, a
/// flood of them is a flood of decryptions. Values past the budget are dropped unread (a
/// legitimate peer's attempt then times out, and it tries again).
///
/// The default (a burst of 64, then 16 a second) keeps a sustained flood to about 5 % of one
/// core, far above what real use needs (one request per connection attempt).
struct DecryptionBudget: Sendable {
    let burst: Double
    let perSecond: Double
    private var tokens: Double
    private var updated: Int64?
    /// Values admitted and dropped so far, for the logs and the tests.
    private(set) var admitted = 0
    private(set) var refused = 0

    init(burst: Int = 64, perSecond: Int = 16) {
        self.burst = Double(burst)
        self.perSecond = Double(perSecond)
        tokens = Double(burst)
    }

    /// Whether one more decryption at `now` (ms) is within the budget; spends a token if so.
    mutating func admit(now: Int64) -> Bool {
        if let updated, now > updated {
            tokens = min(burst, tokens + Double(now - updated) * perSecond / 1000)
        }
        updated = max(updated ?? now, now)
        guard tokens >= 1 else {
            refused += 1
            return false
        }
        tokens -= 1
        admitted += 1
        return true
    }
}
