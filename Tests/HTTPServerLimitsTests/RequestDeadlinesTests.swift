@testable import HTTPServerLimits
import NIOCore
import Testing

/// The deadline a connection is under at each step of its requests, with time passed in.
struct RequestDeadlinesTests {
    static let limits = ConnectionLimits(idleTimeout: .seconds(15), headTimeout: .seconds(10), bodyTimeout: .seconds(20))

    static func at(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(seconds) * 1_000_000_000 + 1_000_000_000_000) }

    @Test func eachPhaseHasItsOwnDeadline() {
        var d = RequestDeadlines(limits: Self.limits, now: Self.at(0))
        #expect(d.phase == .idle && d.deadline == Self.at(15) && d.isWaiting)
        d.bytesArrived(now: Self.at(4))
        #expect(d.phase == .head && d.deadline == Self.at(14) && d.isWaiting)
        // More bytes of the same head do not move its deadline.
        d.bytesArrived(now: Self.at(9))
        #expect(d.deadline == Self.at(14))
        #expect(d.expired(now: Self.at(13)) == nil)
        #expect(d.expired(now: Self.at(14)) == .head)

        d.headReceived(now: Self.at(5))
        #expect(d.phase == .body && d.deadline == Self.at(25) && !d.isWaiting)
        d.requestEnded(now: Self.at(6))
        #expect(d.phase == .responding && d.deadline == nil && d.expired(now: Self.at(1000)) == nil)
        d.responseEnded(now: Self.at(100))
        #expect(d.phase == .idle && d.deadline == Self.at(115))
    }

    @Test func anEarlyAnswerLeavesTheBodyDeadlineRunning() {
        var d = RequestDeadlines(limits: Self.limits, now: Self.at(0))
        d.bytesArrived(now: Self.at(0))
        d.headReceived(now: Self.at(1))
        d.responseEnded(now: Self.at(2))
        #expect(d.phase == .body && d.deadline == Self.at(21))
        d.requestEnded(now: Self.at(3))
        #expect(d.phase == .idle && d.deadline == Self.at(18))
    }

    @Test func pipelinedRequestsReturnToIdleAfterTheLastAnswer() {
        var d = RequestDeadlines(limits: Self.limits, now: Self.at(0))
        d.headReceived(now: Self.at(1))
        d.requestEnded(now: Self.at(1))
        d.headReceived(now: Self.at(2))
        d.requestEnded(now: Self.at(2))
        d.responseEnded(now: Self.at(3))
        #expect(d.phase == .responding && d.deadline == nil)
        d.responseEnded(now: Self.at(4))
        #expect(d.phase == .idle && d.deadline == Self.at(19))
    }

    @Test func anUpgradedConnectionHasNoDeadline() {
        var d = RequestDeadlines(limits: Self.limits, now: Self.at(0))
        d.headReceived(now: Self.at(1))
        d.upgraded()
        d.bytesArrived(now: Self.at(2))
        d.headReceived(now: Self.at(3))
        d.responseEnded(now: Self.at(4))
        #expect(d.phase == .upgraded && d.deadline == nil && !d.isWaiting)
    }
}
