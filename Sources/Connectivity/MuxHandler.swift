import Logging
import Multiplexer
import NIOCore
import NIOSSL
import NIOTLS

/// Drives a ``Multiplexer/MuxCore`` on the decrypted side of a peer's TLS connection. Lives on
/// the channel's event loop; ``PeerSocket`` and ``PeerChannel`` hop onto it.
final class MuxHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Bytes taken from the multiplexer per socket write.
    static let writeChunk = 256 << 10

    var core: MuxCore
    let accepts: @Sendable (String) -> Bool
    let logger: Logger
    var context: ChannelHandlerContext?
    var rng = SystemRandomNumberGenerator()
    var sinks: [UInt16: Inbound.Continuation] = [:]
    var opening: [UInt16: (promise: EventLoopPromise<Inbound>, name: String)] = [:]
    var writers: [UInt16: [EventLoopPromise<Void>]] = [:]
    let incoming: AsyncStream<(UInt16, String, Inbound)>.Continuation
    let ready: EventLoopPromise<Void>
    let closed: EventLoopPromise<ConnectivityError>
    var timer: Scheduled<Void>?
    /// When `timer` fires (nil: no timer), and the autoRead value last set.
    var timerAt: Int64?
    var reading = true
    var handshakeDone = false
    var ending: ConnectivityError?

    /// A channel's inbound bytes, in batches: one batch per channel per read, so a reader that
    /// waits is woken once per read rather than once per frame (a wake-up is a thread switch).
    typealias Inbound = AsyncThrowingStream<[ByteBuffer], any Error>

    init(limits: MuxLimits, accepts: @escaping @Sendable (String) -> Bool, incoming: AsyncStream<(UInt16, String, Inbound)>.Continuation,
         ready: EventLoopPromise<Void>, closed: EventLoopPromise<ConnectivityError>, logger: Logger) {
        self.core = MuxCore(limits: limits)
        self.accepts = accepts
        self.incoming = incoming
        self.ready = ready
        self.closed = closed
        self.logger = logger
    }

    static func now() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000) }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            handshakeDone = true
            ready.succeed(())
            flush()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        core.receive(unwrapInboundIn(data), now: Self.now())
        process()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        flush()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: ConnectivityError = handshakeDone ? .socketClosed("\(error)") : .tls("\(error)")
        end(reason)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(ending ?? (handshakeDone ? .socketClosed("connection closed by the peer") : .tls("connection closed during the handshake")))
        context.fireChannelInactive()
    }

    /// Acts on the core's events, writes what it queued, adjusts reading and the timer.
    func process() {
        var batches: [UInt16: [ByteBuffer]] = [:]
        for event in core.takeEvents() {
            switch event {
            case .requested(let id, let name):
                if accepts(name) {
                    core.accept(id)
                    incoming.yield((id, name, makeInbound(id)))
                } else {
                    logger.debug("declined a channel", metadata: ["channel": "\(name)"])
                    core.decline(id)
                }
            case .accepted(let id):
                if let o = opening.removeValue(forKey: id) { o.promise.succeed(makeInbound(id)) }
            case .declined(let id):
                if let o = opening.removeValue(forKey: id) { o.promise.fail(ConnectivityError.channelDeclined(o.name)) }
            case .data(let id, let bytes):
                if sinks[id] != nil { batches[id, default: []].append(bytes) } else { core.consumed(id, bytes: bytes.readableBytes) }
            case .ended(let id, let reason):
                if let b = batches.removeValue(forKey: id) { sinks[id]?.yield(b) }
                sinks.removeValue(forKey: id)?.finish(throwing: reason.map { ConnectivityError.socketClosed($0.description) })
                for w in writers.removeValue(forKey: id) ?? [] { w.fail(ConnectivityError.socketClosed("channel closed")) }
                opening.removeValue(forKey: id)?.promise.fail(ConnectivityError.socketClosed("channel ended"))
            case .version, .pong:
                break
            case .failed(let error):
                logger.info("closing a peer socket", metadata: ["reason": "\(error)"])
                ending = .socketClosed(error.description)
                context?.close(promise: nil)
            }
        }
        for (id, b) in batches { sinks[id]?.yield(b) }
        flush()
        // Both run after every read and every consumed chunk: only touch the channel and the
        // timer when something changed (a setOption and a rescheduled task cost allocations).
        if let channel = context?.channel, core.wantsRead != reading {
            reading = core.wantsRead
            channel.setOption(ChannelOptions.autoRead, value: reading).whenComplete { _ in }
        }
        let wake = core.nextWakeup
        if wake != timerAt {
            timer?.cancel()
            timer = nil
            timerAt = wake
            if let wake, let loop = context?.eventLoop {
                timer = loop.scheduleTask(in: .milliseconds(max(0, wake - Self.now()))) { [weak self] in
                    guard let self else { return }
                    self.timerAt = nil
                    self.core.tick(now: Self.now())
                    self.process()
                }
            }
        }
    }

    /// The channel's inbound stream, registered here on the loop the moment the channel opens:
    /// the peer may send at once, before the layer above holds the channel.
    func makeInbound(_ id: UInt16) -> Inbound {
        let (stream, continuation) = Inbound.makeStream()
        sinks[id] = continuation
        return stream
    }

    /// Writes queued frames while the transport takes them, then wakes writers with room.
    ///
    /// Every chunk is flushed on its own: TLS holds unflushed writes without making the channel
    /// unwritable, so writing all that is queued before one flush would encrypt up to
    /// channels × 1 MiB at once (cold in cache, all of it in flight) instead of what the
    /// socket takes.
    func flush() {
        guard handshakeDone, let context else { return }
        while core.hasPendingWrites, context.channel.isWritable {
            var buffer = context.channel.allocator.buffer(capacity: Self.writeChunk + 64)
            core.writeFrames(into: &buffer, maxBytes: Self.writeChunk)
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        }
        // A waiting writer is woken once half its queue has gone, not at the first frame: with
        // many channels, waking at every frame sent is a thread switch per 64 KiB.
        let room = max(1, core.limits.sendHighWater / 2)
        for (id, waiting) in writers where core.sendCapacity(id) >= room {
            writers[id] = nil
            for w in waiting { w.succeed(()) }
        }
    }

    func end(_ reason: ConnectivityError) {
        guard !closedResolved else { return }
        closedResolved = true
        ending = ending ?? reason
        let r = ending!
        if !handshakeDone { ready.fail(r) }
        for (_, s) in sinks { s.finish(throwing: r) }
        for (_, o) in opening { o.promise.fail(r) }
        for (_, ws) in writers { for w in ws { w.fail(r) } }
        sinks = [:]; opening = [:]; writers = [:]
        incoming.finish()
        closed.succeed(r)
        timer?.cancel()
        core.fail(.closedLocally)
    }
    var closedResolved = false
}
