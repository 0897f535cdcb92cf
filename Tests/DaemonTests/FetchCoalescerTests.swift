@testable import Daemon
import Identity
import Swarm
import Testing

/// A notification flood from one member costs one fetch at a time, plus one after it.
struct FetchCoalescerTests {
    @Test func notificationsDuringAFetchBecomeOneMoreFetch() throws {
        var c = FetchCoalescer()
        let key = FetchCoalescer.Key(conversation: try #require(ObjectID(hex: String(repeating: "a", count: 40))),
                                     device: try #require(PublicKeyID(hex: String(repeating: "b", count: 40))))
        let other = FetchCoalescer.Key(conversation: key.conversation, device: try #require(PublicKeyID(hex: String(repeating: "c", count: 40))))
        var outcomes: [Bool] = [c.begin(key)]
        for _ in 0..<10_000 { outcomes.append(c.begin(key)) }
        #expect(outcomes.filter { $0 }.count == 1)
        let otherStarts = c.begin(other)  // another device: its own fetch
        let again = c.end(key), thenNone = c.end(key)
        #expect(otherStarts && again && !thenNone)
        let fresh = c.begin(key), done = c.end(key), otherDone = c.end(other)
        #expect(fresh && !done && !otherDone)
    }
}
