/// Counts requests in one-second windows, per source IP and overall (§8.8), so a flood is dropped
/// before its bytes are parsed. Memory is bounded: the per-IP table is cleared every window and
/// holds at most `maxTrackedIPs` entries (beyond that new IPs share the global budget only).
///
/// Cost per datagram: one hash lookup.
public struct RateLimiter: Sendable {
    public var perIP: Int?
    public var global: Int?
    private var windowStart: Int64 = .distantPast
    private var globalCount = 0
    private var counts: [PeerAddress.IP: Int] = [:]
    private let maxTrackedIPs = 65_536

    public init(perIP: Int?, global: Int?) {
        self.perIP = perIP
        self.global = global
    }

    /// Whether one more request from `ip` at `now` (ms) is within the limits; counts it if so.
    public mutating func allow(_ ip: PeerAddress.IP, now: Int64) -> Bool {
        guard perIP != nil || global != nil else { return true }
        if now - windowStart >= 1000 {
            windowStart = now
            globalCount = 0
            counts.removeAll(keepingCapacity: true)
        }
        if let global, globalCount >= global { return false }
        if let perIP {
            let c = counts[ip, default: 0]
            if c >= perIP { return false }
            if c > 0 || counts.count < maxTrackedIPs { counts[ip] = c + 1 }
        }
        globalCount += 1
        return true
    }
}
