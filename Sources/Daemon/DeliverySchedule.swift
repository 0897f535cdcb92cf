/// When our request to a device is put again: after 5 s, then 3 times longer each time (15 s,
/// 45 s, …), at most an hour apart, 12 puts in all (the last about 5.5 hours after the first).
/// A device announced again after that gets a new round.
public struct DeliverySchedule: Sendable {
    public var firstRetry: Duration = .seconds(5)
    public var factor: Int64 = 3
    public var longest: Duration = .seconds(3600)
    public var attempts = 12

    public init() {}

    /// Milliseconds to wait after put number `n` (1 for the first).
    public func delay(afterAttempt n: Int) -> Int64 {
        let first = firstRetry.components.seconds * 1000 + firstRetry.components.attoseconds / 1_000_000_000_000_000
        let cap = longest.components.seconds * 1000
        var d = first
        for _ in 1..<max(1, n) {
            guard d < cap else { break }
            d = d.multipliedReportingOverflow(by: factor).partialValue
        }
        return min(max(d, 0), cap)
    }
}
