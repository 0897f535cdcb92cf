import DHT
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Owns a ``DHTCore`` on one event loop: feeds it datagrams and timer ticks, writes its datagrams
/// to the right channel, and hands its events to waiting callers. Every method runs on `loop`.
final class DHTNodeDriver {
    let loop: any EventLoop
    let core: DHTCore
    let logger: Logger
    var channels: [AddressFamily: any Channel] = [:]
    private var timer: Scheduled<Void>?
    private var timerAt: Int64 = .max
    private var pendingFlush: Set<AddressFamily> = []
    private var inRead = false
    private let routes = RouteCache()

    struct GetWaiter {
        var values: [Value] = []
        var done: (Result<[Value], DHTNodeError>) -> Void
        var onValues: (([Value]) -> Void)?
        /// Ends the get early (cancelling it in the core) once it returns true for a batch.
        var until: (([Value]) -> Bool)?
    }

    var getWaiters: [OperationID: GetWaiter] = [:]
    var putWaiters: [OperationID: (Int) -> Void] = [:]
    var listeners: [OperationID: AsyncStream<ListenEvent>.Continuation] = [:]
    var pingWaiters: [OperationID: (InfoHash?) -> Void] = [:]

    init(loop: any EventLoop, core: DHTCore, logger: Logger) {
        self.loop = loop
        self.core = core
        self.logger = logger
    }

    /// Wall-clock milliseconds since the Unix epoch: the core's time base.
    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The sender of the datagram being handled: replies reuse its NIO address instead of building
    /// a new one (an allocation per datagram).
    private var lastSource: (peer: PeerAddress, address: SocketAddress)?

    func receive(_ bytes: [UInt8], from source: PeerAddress, socketAddress: SocketAddress) {
        lastSource = (source, socketAddress)
        inRead = true
        core.receive(bytes, from: source, now: Self.now())
        drain()
    }

    /// Ends a read batch: one flush per channel that has writes.
    func flush() {
        inRead = false
        for family in pendingFlush { channels[family]?.flush() }
        pendingFlush.removeAll(keepingCapacity: true)
        reschedule()
    }

    /// Runs `body` against the core, then sends what it produced.
    func run(_ body: (DHTCore, Int64) -> Void) {
        body(core, Self.now())
        drain()
        flush()
    }

    private func drain() {
        guard core.hasOutputs else { return }
        replay(core.takeOutputs())
    }

    /// Performs outputs taken from the core.
    func replay(_ outputs: [DHTOutput]) {
        for output in outputs {
            switch output {
            case .send(let bytes, let to):
                guard let channel = channels[to.family] else { continue }
                // A destination without a route would close the channel (see RouteCache); the
                // core sees that node time out instead.
                guard lastSource?.peer == to || routes.isRoutable(to, now: Self.now()) else { continue }
                var buffer = channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                let address = lastSource.flatMap { $0.peer == to ? $0.address : nil } ?? to.socketAddress
                channel.write(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
                pendingFlush.insert(to.family)
            case .event(let event):
                deliver(event)
            }
        }
    }

    private func deliver(_ event: DHTEvent) {
        switch event {
        case .values(let op, let values):
            guard var w = getWaiters[op] else { return }
            w.values += values
            getWaiters[op] = w
            w.onValues?(values)
            if let until = w.until, until(values) {
                getWaiters[op] = nil
                core.cancel(op)
                w.done(.success(w.values))
            }
        case .getDone(let op, let success):
            guard let w = getWaiters.removeValue(forKey: op) else { return }
            w.done(success || !w.values.isEmpty ? .success(w.values) : .failure(.noNodeReached))
        case .putDone(let op, let storedOn):
            putWaiters.removeValue(forKey: op)?(storedOn)
        case .listenAdded(let op, let values):
            for v in values { listeners[op]?.yield(.added(v)) }
        case .listenExpired(let op, let ids):
            for id in ids { listeners[op]?.yield(.expired(id)) }
        case .pong(let op, let node):
            pingWaiters.removeValue(forKey: op)?(node)
        }
    }

    private func reschedule() {
        let wake = core.nextWakeup
        guard wake < timerAt else { return }
        timer?.cancel()
        timerAt = wake
        let delay = max(0, wake - Self.now())
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(in: .milliseconds(delay)) {
            let d = bound.value
            d.timerAt = .max
            d.timer = nil
            d.run { core, now in core.tick(now: now) }
        }
    }

    func stop() {
        timer?.cancel()
        timer = nil
        timerAt = .max
        for (_, w) in getWaiters { w.done(.success(w.values)) }
        getWaiters.removeAll()
        for (_, p) in putWaiters { p(0) }
        putWaiters.removeAll()
        for (_, l) in listeners { l.finish() }
        for (_, p) in pingWaiters { p(nil) }
        pingWaiters.removeAll()
        listeners.removeAll()
    }

    func logSocketError(_ error: any Error) {
        logger.debug("socket error", metadata: ["error": "\(error)"])
    }
}
