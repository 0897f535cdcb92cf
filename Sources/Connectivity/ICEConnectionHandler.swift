import ICE
import NIOCore
import STUN

/// The bottom of every ICE-TCP connection: RFC 4571 packets in and out. STUN packets go to the
/// session; once this connection is selected, everything else (TLS records) goes up the
/// pipeline. Outgoing TLS bytes are framed at record boundaries, one or more whole records per
/// packet, so no packet starts inside a record (where it might look like STUN to pjnath).
final class ICEConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Application bytes kept until the layer above is in place (a peer that completed first
    /// may start TLS at once).
    static let maxEarlyData = 64 << 10

    var id: ICEAgent.ConnectionID
    let onSTUN: (ICEAgent.ConnectionID, [UInt8]) -> Void
    let onClose: (ICEAgent.ConnectionID) -> Void
    private var reader = RFC4571Reader()
    private var context: ChannelHandlerContext?
    private(set) var isDelivering = false
    private var early: [ByteBuffer] = []
    private var earlyBytes = 0
    private var records = TLSRecordCutter()

    init(id: ICEAgent.ConnectionID, onSTUN: @escaping (ICEAgent.ConnectionID, [UInt8]) -> Void, onClose: @escaping (ICEAgent.ConnectionID) -> Void) {
        self.id = id
        self.onSTUN = onSTUN
        self.onClose = onClose
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends one STUN message (framed) below everything else in the pipeline.
    func sendSTUN(_ bytes: [UInt8]) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(RFC4571.frame(bytes)), promise: nil)
    }

    /// From now on, application packets go up (the layer above is in place); the early ones first.
    func startDelivery() {
        guard !isDelivering else { return }
        isDelivering = true
        guard let context else { return }
        for b in early { context.fireChannelRead(wrapInboundOut(b)) }
        if !early.isEmpty { context.fireChannelReadComplete() }
        early = []
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        var delivered = false
        while let packet = reader.next() {
            if packet.readableBytes == 0 { continue }
            if STUNMessage.looksLikeSTUN(packet.readableBytesView), Self.isWholeSTUN(packet) {
                onSTUN(id, Array(packet.readableBytesView))
            } else if isDelivering {
                context.fireChannelRead(wrapInboundOut(packet))
                delivered = true
            } else {
                earlyBytes += packet.readableBytes
                guard earlyBytes <= Self.maxEarlyData else { context.close(promise: nil); return }
                early.append(packet)
            }
        }
        if delivered { context.fireChannelReadComplete() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {}

    /// STUN's own length must cover the packet exactly, as pjnath checks.
    static func isWholeSTUN(_ p: ByteBuffer) -> Bool {
        guard let n = p.getInteger(at: p.readerIndex + 2, as: UInt16.self) else { return false }
        return Int(n) + 20 == p.readableBytes && n % 4 == 0
    }

    func channelInactive(context: ChannelHandlerContext) {
        onClose(id)
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        records.append(unwrapOutboundIn(data))
        var out = context.channel.allocator.buffer(capacity: records.buffered + 16)
        while let packet = records.nextPacket() { RFC4571.frame(packet, into: &out) }
        context.write(wrapOutboundOut(out), promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        // A record cut short by a write boundary is sent as it is rather than held.
        if records.buffered > 0, let rest = records.drain() {
            context.write(wrapOutboundOut(RFC4571.frame(Array(rest.readableBytesView))), promise: nil)
        }
        context.flush()
    }
}

/// Groups an outgoing TLS byte stream into packets of whole records (5-byte header + length),
/// at most 65535 bytes each.
struct TLSRecordCutter {
    private var pending = ByteBuffer()
    var buffered: Int { pending.readableBytes }

    mutating func append(_ b: ByteBuffer) {
        var b = b
        pending.writeBuffer(&b)
    }

    mutating func nextPacket() -> ByteBuffer? {
        var length = 0
        while let n = pending.getInteger(at: pending.readerIndex + length + 3, as: UInt16.self) {
            let record = 5 + Int(n)
            guard length + record <= pending.readableBytes, length + record <= RFC4571.maxPacket else { break }
            length += record
        }
        guard length > 0 else { return nil }
        let p = pending.readSlice(length: length)
        if pending.readableBytes == 0 { pending.clear() }
        return p
    }

    mutating func drain() -> ByteBuffer? {
        guard pending.readableBytes > 0 else { return nil }
        defer { pending.clear() }
        return pending.readSlice(length: pending.readableBytes)
    }
}
