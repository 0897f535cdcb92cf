import NIOCore
import NIOHTTP1

/// Sits right behind the HTTP/1 decoder and reports each request's head and end, each
/// response's end and a protocol switch to the connection's ``ConnectionDeadlineHandler``.
/// It works on NIO's HTTP/1 parts, which both Hummingbird channels (plain and WebSocket upgrade)
/// pass through, and removes itself when the connection switches protocols.
final class RequestProgressHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let deadlines: ConnectionDeadlineHandler
    /// Set once the 101 answer is written; the handler leaves after passing on its flush.
    private var switched = false

    init(reportingTo deadlines: ConnectionDeadlineHandler) {
        self.deadlines = deadlines
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: deadlines.requestHead()
        case .body: break
        case .end: deadlines.requestEnd()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status == .switchingProtocols:
            // From here on the bytes are not HTTP/1 parts; the new protocol has its own checks.
            deadlines.upgraded()
            switched = true
            context.write(data, promise: promise)
        case .end:
            deadlines.responseEnd()
            context.write(data, promise: promise)
        case .head, .body:
            context.write(data, promise: promise)
        }
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
        // Leaving in `write` would drop the flush NIO sends right after it (`writeAndFlush`).
        if switched { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }
}
