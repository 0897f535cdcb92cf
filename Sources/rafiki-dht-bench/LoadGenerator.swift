import DHT
import NIOCore
import NIOPosix

/// Sends one kind of query to a node with a fixed number in flight and counts the replies.
/// It runs on its own event loop (pin the process to another core than the target).
final class LoadGenerator: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: every mutable field is touched only on the channel's event loop.
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let target: SocketAddress
    let window: Int
    var makeQuery: (UInt32) -> [UInt8] = { _ in [] }
    var replies = 0
    var sent = 0
    var lastReplies = 0
    var onReply: ((WireMessage) -> Void)?
    private var tid: UInt32 = 1
    private var context: ChannelHandlerContext?
    private var refill: RepeatedTask?

    /// Stops sending; call on the event loop before closing the channel.
    func stop() {
        refill?.cancel()
        refill = nil
        context = nil
    }

    init(target: SocketAddress, window: Int) {
        self.target = target
        self.window = window
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        replies += 1
        if let onReply {
            var b = unwrapInboundIn(data).data
            if let m = try? MessageParser.parse(b.readBytes(length: b.readableBytes) ?? []) { onReply(m) }
        }
        send(1)
    }

    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }

    /// Keeps `window` queries outstanding; refills what was lost.
    func start() {
        send(window)
        context?.flush()
        guard let context else { return }
        let loop = context.eventLoop
        refill = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [self] _ in
            if replies == lastReplies { send(window) }  // stalled: assume the window was lost
            lastReplies = replies
            self.context?.flush()
        }
    }

    func send(_ n: Int) {
        guard let context else { return }
        for _ in 0..<n {
            tid &+= 1
            let bytes = makeQuery(tid)
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: target, data: buffer)), promise: nil)
            sent += 1
        }
    }

    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
}
