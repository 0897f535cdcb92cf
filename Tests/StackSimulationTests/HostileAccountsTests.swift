import StackSimulation
import Testing

/// A share of real accounts attacks everyone: malformed, forged and oversized inbox values,
/// connection requests, DHT floods and listen squatting (see `StackRun+Hostile`). The honest
/// accounts' figures hold: their requests are delivered and presence stays as accurate as
/// without attackers, in the same network with the same seed.
extension StackSimulationSuite {
@Suite(.timeLimit(.minutes(10)))
struct HostileAccountsTests {
    @Test func honestFiguresHoldUnderAttack() async throws {
        let pool = try await TestPool.get()
        var scenario = StackScenario()
        scenario.accounts = 12
        scenario.seed = 21
        scenario.churn = 0.25
        scenario.loss = 0.05
        scenario.duration = 25 * 60_000
        let calm = try await scenario.run(pool: pool).report
        scenario.hostile = 0.25
        let attacked = try await scenario.run(pool: pool).report
        #expect(calm.requestsSent > 10 && attacked.requestsSent > 5)
        print("calm:", calm, "\nattacked:", attacked)
        #expect(attacked.hostileAccounts == 3)
        // The attackers' floods ran (most of their puts are throttled by the nodes' per-address
        // rate limits, so few of their values land; those that do are refused).
        #expect(attacked.datagrams > 3 * calm.datagrams, "attack traffic: \(attacked.datagrams) datagrams, \(calm.datagrams) without")
        #expect(attacked.hostileConnectionRequests > 0)
        #expect(attacked.deliveryRate >= calm.deliveryRate - 0.1, "delivered \(attacked.deliveryRate) under attack, \(calm.deliveryRate) without")
        #expect(attacked.presenceAccuracy >= calm.presenceAccuracy - 0.1, "presence \(attacked.presenceAccuracy) under attack, \(calm.presenceAccuracy) without")
        #expect(attacked.confirmationsSeen >= attacked.requestsAccepted * 8 / 10)
    }
}
}
