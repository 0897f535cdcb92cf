/// Waits until `condition` holds, checking every `every`, for at most `within`: whether it held.
///
/// For things a server does soon but not at a known instant (closing an evicted connection):
/// the bound is generous so a loaded CI machine does not fail the test, and a fast one does not
/// wait for it.
public func eventually(
    within: Duration = .seconds(10), every: Duration = .milliseconds(25), _ condition: () -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + within
    while !condition() {
        guard clock.now < end else { return false }
        try await Task.sleep(for: every)
    }
    return true
}
