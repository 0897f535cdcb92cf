import NIOCore
@testable import Multiplexer

/// Two multiplexers wired back to back, pumped by hand: what one writes the other reads.
struct MuxPair {
    var a: MuxCore
    var b: MuxCore
    var now: Int64 = 0
    var rng = SystemRandomNumberGenerator()
    var eventsA: [MuxEvent] = []
    var eventsB: [MuxEvent] = []

    init(limits: MuxLimits = MuxLimits()) {
        a = MuxCore(limits: limits)
        b = MuxCore(limits: limits)
    }

    /// Moves bytes both ways until neither side has anything to write.
    mutating func pump(maxBytes: Int = 1 << 20) {
        while a.hasPendingWrites || b.hasPendingWrites {
            var out = ByteBuffer()
            a.writeFrames(into: &out, maxBytes: maxBytes)
            if out.readableBytes > 0 { b.receive(out, now: now) }
            out.clear()
            b.writeFrames(into: &out, maxBytes: maxBytes)
            if out.readableBytes > 0 { a.receive(out, now: now) }
            eventsA += a.takeEvents()
            eventsB += b.takeEvents()
        }
        eventsA += a.takeEvents()
        eventsB += b.takeEvents()
    }

    /// Bytes delivered to `side` on `channel`, as one array.
    static func data(_ events: [MuxEvent], _ channel: UInt16) -> [UInt8] {
        events.flatMap { e -> [UInt8] in
            if case .data(let c, let b) = e, c == channel { return Array(b.readableBytesView) }
            return []
        }
    }
}
