import NIOCore
import Testing
@testable import Multiplexer

@Suite struct MuxCoreTests {
    @Test func bothSidesAnnounceVersionOne() {
        var p = MuxPair()
        p.pump()
        #expect(p.eventsA == [.version(1)])
        #expect(p.eventsB == [.version(1)])
    }

    @Test func aChannelOpensCarriesDataBothWaysAndEnds() throws {
        var p = MuxPair()
        let id = try #require(p.a.open("sip", using: &p.rng))
        p.a.send(id, ByteBuffer(string: "early"))  // queued until accepted
        p.pump()
        #expect(p.eventsB.contains(.requested(channel: id, name: "sip")))
        #expect(MuxPair.data(p.eventsB, id).isEmpty)
        p.b.accept(id)
        p.pump()
        #expect(p.eventsA.contains(.accepted(channel: id)))
        #expect(MuxPair.data(p.eventsB, id) == Array("early".utf8))
        p.b.send(id, ByteBuffer(string: "back"))
        p.pump()
        #expect(MuxPair.data(p.eventsA, id) == Array("back".utf8))
        p.a.close(id)
        p.pump()
        #expect(p.eventsB.contains(.ended(channel: id, reason: nil)))
        #expect(p.a.openChannels.isEmpty && p.b.openChannels.isEmpty)
        let late = p.a.send(id, ByteBuffer(string: "late"))
        #expect(!late)
    }

    @Test func aDeclinedChannelIsGoneOnBothSides() throws {
        var p = MuxPair()
        let id = try #require(p.a.open("nope://x", using: &p.rng))
        p.pump()
        p.b.decline(id)
        p.pump()
        #expect(p.eventsA.contains(.declined(channel: id)))
        #expect(p.a.sendCapacity(id) == 0)
        #expect(p.b.name(of: id) == nil)
    }

    @Test func bigWritesAreCutIntoFramesAndArriveWhole() throws {
        var p = MuxPair()
        let id = try #require(p.a.open("data-transfer://x", using: &p.rng))
        p.pump()
        p.b.accept(id)
        p.pump()
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        p.a.send(id, ByteBuffer(bytes: payload))
        p.pump(maxBytes: 100_000)
        #expect(MuxPair.data(p.eventsB, id) == payload)
        #expect(p.a.statistics.framesOut >= 5)
    }

    @Test func aBusyChannelDoesNotDelayAnotherByMoreThanOneFrame() throws {
        var p = MuxPair()
        let bulk = try #require(p.a.open("bulk", using: &p.rng))
        let chat = try #require(p.a.open("chat", using: &p.rng))
        p.pump()
        p.b.accept(bulk); p.b.accept(chat)
        p.pump()
        p.a.send(bulk, ByteBuffer(repeating: 1, count: 10 << 20))
        p.a.send(chat, ByteBuffer(string: "hello"))
        var out = ByteBuffer()
        p.a.writeFrames(into: &out, maxBytes: 2 * (MuxFrame.maxPayload + MuxFrame.maxHeader))
        p.b.receive(out, now: 0)
        let seen = p.b.takeEvents()
        #expect(MuxPair.data(seen, chat) == Array("hello".utf8))
    }

    /// jamid parses every `sync://` frame as one message and needs whole pkt-lines in each git
    /// frame: a write of at most 65535 bytes is one frame, even when batches are small.
    @Test func aWriteUpToOneFrameStaysOneFrame() throws {
        var p = MuxPair()
        let x = try #require(p.a.open("x", using: &p.rng)), y = try #require(p.a.open("y", using: &p.rng))
        p.pump()
        p.b.accept(x); p.b.accept(y)
        p.pump()
        let sizes = [40_000, 65_535, 1, 30_000, 65_535]
        for (i, n) in sizes.enumerated() { p.a.send(i % 2 == 0 ? x : y, ByteBuffer(repeating: UInt8(i), count: n)) }
        p.pump(maxBytes: 50_000)
        let frames = p.eventsB.compactMap { e -> Int? in if case .data(_, let b) = e { b.readableBytes } else { nil } }
        #expect(frames.sorted() == sizes.sorted())
    }

    @Test func beaconsAreAnsweredAndTimedOut() throws {
        var p = MuxPair()
        p.pump()
        p.a.ping(now: 0)
        p.now = 40
        p.pump()
        #expect(p.eventsA.contains(.pong(rtt: 40)))
        p.a.ping(now: 100)
        p.a.tick(now: 3_099)
        #expect(p.a.failure == nil)
        p.a.tick(now: 3_100)  // b never got the ping: nothing was pumped
        #expect(p.a.failure == .beaconTimeout)
    }

    @Test func aFloodOfRequestsIsDeclinedBeyondTheLimit() {
        var p = MuxPair(limits: MuxLimits(maxChannels: 4_096, maxOffered: 8))
        for i in 0..<2_000 { _ = p.a.open("x\(i)", using: &p.rng) }
        p.pump()
        let offered = p.eventsB.filter { if case .requested = $0 { true } else { false } }
        let declined = p.eventsA.filter { if case .declined = $0 { true } else { false } }
        #expect(offered.count == 8)
        #expect(declined.count == 2_000 - 8)
        #expect(p.b.statistics.requestsRefused == 2_000 - 8)
    }

    @Test func requestsForReservedOrTakenNumbersAreDeclined() throws {
        var b = MuxCore()
        var wire = ByteBuffer()
        for r in [ChannelRequest(name: "a", channel: 0, state: .request), ChannelRequest(name: "b", channel: 0xFFFF, state: .request),
                  ChannelRequest(name: "c", channel: 9, state: .request), ChannelRequest(name: "d", channel: 9, state: .request)] {
            var f = MuxFrame.encode(channel: 0, payload: ByteBuffer(bytes: r.encoded))
            wire.writeBuffer(&f)
        }
        b.receive(wire, now: 0)
        let events = b.takeEvents()
        #expect(events == [.requested(channel: 9, name: "c")])
        #expect(b.statistics.requestsRefused == 3)
    }

    @Test func aReaderThatStopsPausesTheSocketThenItsChannelIsReset() throws {
        var p = MuxPair(limits: MuxLimits(receiveHighWater: 100_000, stallTimeout: 5_000))
        let slow = try #require(p.a.open("slow", using: &p.rng))
        p.pump(); p.b.accept(slow); p.pump()
        p.a.send(slow, ByteBuffer(repeating: 2, count: 150_000))
        p.pump()
        #expect(!p.b.wantsRead)
        #expect(p.b.nextWakeup == 5_000)
        p.b.consumed(slow, bytes: 60_000)
        #expect(p.b.wantsRead)
        p.a.send(slow, ByteBuffer(repeating: 2, count: 150_000))
        p.now = 1_000
        p.pump()
        #expect(!p.b.wantsRead)
        p.b.tick(now: 6_000)
        #expect(p.b.wantsRead)
        p.pump()
        #expect(p.eventsB.contains(.ended(channel: slow, reason: .readerStalled(channel: slow))))
        #expect(p.eventsA.contains(.ended(channel: slow, reason: nil)))
    }

    @Test func aPeerThatNeverReadsOurAnswersIsCutOff() {
        var b = MuxCore(limits: MuxLimits(maxControlQueue: 4_096))
        var wire = ByteBuffer()
        for _ in 0..<2_000 {
            var f = MuxFrame.encode(channel: MuxFrame.protocol, payload: ByteBuffer(bytes: ProtocolMessage.beacon(ping: true).encoded))
            wire.writeBuffer(&f)
        }
        b.receive(wire, now: 0)
        #expect(b.failure == .peerNotReading)
    }

    @Test func garbageFailsTheSocketAndLaterInputIsIgnored() {
        var b = MuxCore()
        b.receive(ByteBuffer(bytes: [0x92, 0x00, 0xc4, 0x01, 0xc1]), now: 0)
        #expect(b.failure == .malformedControl("neither an array nor a map (0xc1)"))
        b.receive(ByteBuffer(bytes: [0x92, 0x00]), now: 0)
        let events = b.takeEvents()
        #expect(events.count == 1)
    }

    @Test func dataForUnknownChannelsIsDroppedAndCounted() {
        var b = MuxCore()
        b.receive(MuxFrame.encode(channel: 77, payload: ByteBuffer(string: "x")), now: 0)
        #expect(b.statistics.framesDropped == 1)
        let events = b.takeEvents()
        #expect(events.isEmpty)
    }
}
