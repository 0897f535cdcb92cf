@testable import Daemon
import Identity
import Synchronization
import Testing

/// The turns of files we serve, without sockets: who streams, who waits, who is refused.
struct UploadSlotsTests {
    static let alice = PublicKeyID(bytes: [UInt8](repeating: 0xA1, count: 20))!
    static let bob = PublicKeyID(bytes: [UInt8](repeating: 0xB0, count: 20))!

    static func limits() -> UploadSlots.Limits {
        var l = UploadSlots.Limits()
        l.perAccount = 2
        l.total = 3
        l.waitingPerAccount = 2
        l.waitingTotal = 3
        return l
    }

    /// What each request got, in order.
    final class Outcomes: Sendable {
        private let list = Mutex<[String]>([])
        var all: [String] { list.withLock { $0 } }
        func add(_ s: String) { list.withLock { $0.append(s) } }
    }

    /// Starts `take` and waits until it either returned or queued (the waiting count grew).
    static func enqueue(_ slots: UploadSlots, _ account: PublicKeyID, _ outcomes: Outcomes, tag: String) async -> Task<Void, Never> {
        let before = await slots.load.waiting
        let task = Task {
            do {
                try await slots.take(for: account)
                outcomes.add("\(tag) streams")
            } catch {
                outcomes.add("\(tag) refused")
            }
        }
        while await slots.load.waiting == before, !outcomes.all.contains(where: { $0.hasPrefix("\(tag) ") }) { await Task.yield() }
        return task
    }

    @Test func turnsAreGivenInOrderWithinTheLimits() async throws {
        let slots = UploadSlots(Self.limits())
        let outcomes = Outcomes()
        try await slots.take(for: Self.alice)
        try await slots.take(for: Self.alice)
        // Alice has her two; Bob may still stream (three in all).
        try await slots.take(for: Self.bob)
        #expect(await slots.load == (3, 0))
        let a3 = await Self.enqueue(slots, Self.alice, outcomes, tag: "a3")
        let b2 = await Self.enqueue(slots, Self.bob, outcomes, tag: "b2")
        let a4 = await Self.enqueue(slots, Self.alice, outcomes, tag: "a4")
        #expect(await slots.load == (3, 3))
        // Three wait in all: a fourth is refused at once, whoever asks.
        await #expect(throws: DaemonError.self) { try await slots.take(for: Self.bob) }

        // Bob's stream ends: Alice has two streaming, so Bob's waiting request goes first.
        await slots.release(of: Self.bob)
        await b2.value
        #expect(outcomes.all == ["b2 streams"])
        // One of Alice's ends: her first waiting request, then her second.
        await slots.release(of: Self.alice)
        await a3.value
        await slots.release(of: Self.alice)
        await a4.value
        #expect(outcomes.all == ["b2 streams", "a3 streams", "a4 streams"])
        #expect(await slots.load == (3, 0))
    }

    @Test func aStoppingAccountRefusesTheWaitingAndTheLater() async throws {
        var l = Self.limits()
        l.total = 1
        let slots = UploadSlots(l)
        let outcomes = Outcomes()
        try await slots.take(for: Self.alice)
        let waiting = await Self.enqueue(slots, Self.bob, outcomes, tag: "b")
        await slots.close()
        await waiting.value
        #expect(outcomes.all == ["b refused"])
        await slots.release(of: Self.alice)
        await #expect(throws: DaemonError.self) { try await slots.take(for: Self.alice) }
    }

    @Test func waitingPerAccountIsBounded() async throws {
        var l = Self.limits()
        l.waitingTotal = 10
        let slots = UploadSlots(l)
        let outcomes = Outcomes()
        try await slots.take(for: Self.alice)
        try await slots.take(for: Self.alice)
        _ = await Self.enqueue(slots, Self.alice, outcomes, tag: "a3")
        _ = await Self.enqueue(slots, Self.alice, outcomes, tag: "a4")
        await #expect(throws: DaemonError.self) { try await slots.take(for: Self.alice) }
        // Bob is not held back by Alice's queue.
        try await slots.take(for: Self.bob)
        await slots.close()
    }
}
