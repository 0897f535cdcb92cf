import NIOCore

/// First handler of a server connection's pipeline: it sees every byte before the HTTP decoder,
/// so it knows when a request starts, and closes the connection when the deadline of its phase
/// (``RequestDeadlines``) passes. ``RequestProgressHandler``, behind the decoder, tells it where
/// requests and responses begin and end. It also tells the ``ConnectionTable`` whether the
/// connection is waiting, which makes it a candidate for replacement.
///
/// Hummingbird's own `idleTimeout` is not enough: it restarts on every body part (a body sent a
/// byte at a time is never cut) and has no separate head deadline.
final class ConnectionDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var deadlines: RequestDeadlines
    private let table: ConnectionTable
    private let ticket: ConnectionTable.Ticket
    private var context: ChannelHandlerContext?
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?

    init(table: ConnectionTable, ticket: ConnectionTable.Ticket) {
        deadlines = RequestDeadlines(limits: table.limits, now: .now())
        self.table = table
        self.ticket = ticket
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        rearm()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if deadlines.phase == .idle { update { $0.bytesArrived(now: .now()) } }
        context.fireChannelRead(data)
    }

    // Called by RequestProgressHandler, on this channel's event loop.
    func requestHead() { update { $0.headReceived(now: .now()) } }
    func requestEnd() { update { $0.requestEnded(now: .now()) } }
    func responseEnd() { update { $0.responseEnded(now: .now()) } }
    func upgraded() { update { $0.upgraded() } }

    private func update(_ change: (inout RequestDeadlines) -> Void) {
        let wasWaiting = deadlines.isWaiting
        change(&deadlines)
        if deadlines.isWaiting != wasWaiting { table.setWaiting(ticket, deadlines.isWaiting) }
        rearm()
    }

    /// Keeps one timer, at the current deadline.
    private func rearm() {
        guard let context else { return }
        let deadline = deadlines.deadline
        guard deadline != timer?.deadline else { return }
        timer?.task.cancel()
        timer = nil
        guard let deadline else { return }
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            expire()
        }
        timer = (deadline, task)
    }

    private func expire() {
        guard let context else { return }
        if let phase = deadlines.expired(now: .now()) {
            table.onEvent(.timedOut(phase))
            ConnectionTable.close(context.channel)
        } else {
            rearm()
        }
    }
}
