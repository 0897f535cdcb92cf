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
    /// Packets went up since the last read-complete.
    private var delivered = false
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
    }

    /// Passed on once per socket read cycle (up to four reads), and only when packets went up:
    /// TLS hands its plaintext on at this point, so the layers above get it in large pieces.
    func channelReadComplete(context: ChannelHandlerContext) {
        guard delivered else { return }
        delivered = false
        context.fireChannelReadComplete()
    }

    /// STUN's own length must cover the packet exactly, as pjnath checks.
    static func isWholeSTUN(_ p: ByteBuffer) -> Bool {
        guard let n = p.getInteger(at: p.readerIndex + 2, as: UInt16.self) else { return false }
        return Int(n) + 20 == p.readableBytes && n % 4 == 0
    }

    func channelInactive(context: ChannelHandlerContext) {
        onClose(id)
        context.fireChannelInactive()
    }

    /// Each packet goes out as a 2-byte length and a slice of the TLS output (one vectored
    /// write, no copy of the records).
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        records.append(unwrapOutboundIn(data))
        var packets: [ByteBuffer] = []
        while let packet = records.nextPacket() { packets.append(packet) }
        guard !packets.isEmpty else {
            if let promise { context.write(wrapOutboundOut(ByteBuffer()), promise: promise) }
            return
        }
        var headers = context.channel.allocator.buffer(capacity: 2 * packets.count)
        for p in packets { headers.writeInteger(UInt16(p.readableBytes)) }
        for (i, p) in packets.enumerated() {
            context.write(wrapOutboundOut(headers.readSlice(length: 2)!), promise: nil)
            context.write(wrapOutboundOut(p), promise: i == packets.count - 1 ? promise : nil)
        }
    }

    func flush(context: ChannelHandlerContext) {
        // A record cut short by a write boundary is sent as it is rather than held.
        if let rest = records.drain() {
            context.write(wrapOutboundOut(RFC4571.frame(Array(rest.readableBytesView))), promise: nil)
        }
        context.flush()
    }
}
