import NameClient
import NameService
import TestSupport
import Testing

/// A request's deadline covers the whole answer, body included: a server (or wherever a
/// redirect led) that sends its head at once and then drips the body cannot hold a lookup, and
/// the daemon request waiting on it, for longer than the client's timeout.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DeadlineTests {
    @Test func aDrippedAnswerIsCutAtTheDeadline() async throws {
        let server = try await HostileNameServer.start()
        let client = NameServerClient(server: try ServerURL(server.url), timeout: .seconds(2))
        let start = ContinuousClock.now
        await #expect(throws: NameClientError.unreachable("127.0.0.1: timed out")) { try await client.lookup(name: "drip") }
        // The server would take 120 s; 30 s leaves a loaded machine ample room over the 2 s deadline.
        #expect(ContinuousClock.now - start < .seconds(30))
        await server.stop()
    }
}
