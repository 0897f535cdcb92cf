import Logging
import NIOCore
import NIOPosix
import STUN
import TURN

/// A TCP relay on a TURN server for one ICE session: the ``TURN/TURNClient`` on a real control
/// connection, plus the data connections RFC 6062 binds for each peer that connects to the
/// relayed address. Those reach ``onPeer`` as ordinary inbound connections. Confined to one
/// event loop (the ICE session's).
public final class TURNRelay: Sendable {
    /// Allocation, or a ConnectionBind, must be answered within this.
    static let answerTimeout: TimeAmount = .seconds(10)

    public struct Server: Sendable, Equatable {
        public var address: SocketAddress
        public var credentials: TURNCredentials
        public init(address: SocketAddress, credentials: TURNCredentials) {
            self.address = address
            self.credentials = credentials
        }
    }

    final class State {
        var client: TURNClient
        var control: (any Channel)?
        var timer: Scheduled<Void>?
        var ready: EventLoopPromise<SocketAddress>?
        var onPeer: ((any Channel, SocketAddress, ByteBuffer?) -> Void)?
        var binding: [any Channel] = []
        init(client: TURNClient) { self.client = client }
    }

    public let loop: any EventLoop
    public let server: Server
    let box: NIOLoopBoundBox<State>
    let logger: Logger

    private init(loop: any EventLoop, server: Server, logger: Logger) {
        self.loop = loop
        self.server = server
        self.logger = logger
        box = .makeBoxSendingValue(State(client: TURNClient(credentials: server.credentials, now: ICESession.now())), eventLoop: loop)
    }

    /// Connects to the server and allocates; returns once the relayed address is known.
    public static func allocate(on server: Server, loop: any EventLoop, logger: Logger) async throws -> (TURNRelay, relayed: SocketAddress) {
        let relay = TURNRelay(loop: loop, server: server, logger: logger)
        let relayed = try await relay.start().get()
        return (relay, relayed)
    }

    private func start() -> EventLoopFuture<SocketAddress> {
        loop.flatSubmit { [self] in
            let ready = loop.makePromise(of: SocketAddress.self)
            box.value.ready = ready
            let timeout = loop.scheduleTask(in: Self.answerTimeout) { [self] in finish(.timeout("Allocate")) }
            ready.futureResult.whenComplete { _ in timeout.cancel() }
            ClientBootstrap(group: loop).connectTimeout(Self.answerTimeout)
                .channelInitializer { [self] ch in
                    ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(ControlHandler(relay: self)) }
                }
                .connect(to: server.address).whenComplete { [self] result in
                    switch result {
                    case .success(let ch):
                        box.value.control = ch
                        pump()
                    case .failure(let e):
                        finish(.protocolViolation("cannot reach \(server.address): \(e)"))
                    }
                }
            return ready.futureResult
        }
    }

    /// Where peers' connections arrive, with any bytes that followed the bind answer.
    /// Only on the loop.
    func setOnPeer(_ handler: @escaping (any Channel, SocketAddress, ByteBuffer?) -> Void) {
        box.value.onPeer = handler
    }

    /// Lets the server relay connections from these peers.
    public func permit(_ peers: [SocketAddress]) {
        loop.execute { [self] in
            box.value.client.permit(peers, now: ICESession.now())
            pump()
        }
    }

    /// Drops the allocation (and any binding in progress); data connections already handed
    /// out stay with their owners.
    public func close() {
        loop.execute { [self] in
            let s = box.value
            if let bye = s.client.release(), let c = s.control {
                c.writeAndFlush(ByteBuffer(bytes: bye)).whenComplete { _ in c.close(promise: nil) }
            } else {
                s.control?.close(promise: nil)
            }
            s.control = nil
            s.timer?.cancel()
            for b in s.binding { b.close(promise: nil) }
            s.binding = []
            s.onPeer = nil
        }
    }

    func finish(_ error: TURNError) {
        let s = box.value
        s.ready?.fail(ConnectivityError.ice(error.description))
        s.ready = nil
        if !s.client.isFailed { logger.info("TURN relay ended", metadata: ["server": "\(server.address)", "reason": "\(error)"]) }
        s.control?.close(promise: nil)
        s.control = nil
    }

    func pump() {
        let s = box.value
        for o in s.client.takeOutputs() {
            switch o {
            case .send(let bytes):
                s.control?.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
            case .allocated(let relayed, _):
                s.ready?.succeed(relayed)
                s.ready = nil
            case .connectionAttempt(let id, let peer):
                bind(id, peer: peer)
            case .failed(let e):
                finish(e)
            }
        }
        s.timer?.cancel()
        let wake = s.client.nextWakeup
        if wake < .max {
            s.timer = loop.scheduleTask(in: .milliseconds(max(0, wake - ICESession.now()))) { [self] in
                box.value.client.tick(now: ICESession.now())
                pump()
            }
        }
    }

    /// A new connection to the server for the peer's connection `id` (RFC 6062 §4.3).
    private func bind(_ id: UInt32, peer: SocketAddress) {
        let (transaction, request) = box.value.client.connectionBind(id)
        let check: @Sendable ([UInt8]) throws -> Void = { [self] answer in
            try box.value.client.checkBindAnswer(answer, request: transaction)
        }
        ClientBootstrap(group: loop).connectTimeout(Self.answerTimeout)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(BindHandler(request: request, check: check)) }
            }
            .connect(to: server.address).whenComplete { [self] result in
                guard case .success(let ch) = result else { return }
                box.value.binding.append(ch)
                let timeout = loop.scheduleTask(in: Self.answerTimeout) { ch.close(promise: nil) }
                ch.closeFuture.whenComplete { [self] _ in
                    timeout.cancel()
                    box.value.binding.removeAll { $0 === ch }
                }
                (try? ch.pipeline.syncOperations.handler(type: BindHandler.self))?.onBound = { [self] remainder in
                    timeout.cancel()
                    box.value.binding.removeAll { $0 === ch }
                    guard let onPeer = box.value.onPeer else { ch.close(promise: nil); return }
                    onPeer(ch, peer, remainder)
                }
            }
    }
}

extension TURNRelay {
    /// The control connection: STUN messages in, to the client.
    final class ControlHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let relay: TURNRelay
        var reader = STUNStreamReader()
        init(relay: TURNRelay) { self.relay = relay }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            reader.append(unwrapInboundIn(data).readableBytesView)
            do {
                while let m = try reader.next() { relay.box.value.client.received(m, now: ICESession.now()) }
            } catch {
                relay.finish(error)
                return
            }
            relay.pump()
        }

        func channelInactive(context: ChannelHandlerContext) {
            relay.finish(.closed)
        }
    }

    /// A data connection until its ConnectionBind is answered; then it steps aside and the
    /// connection carries the peer's bytes.
    final class BindHandler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        let request: [UInt8]
        let check: ([UInt8]) throws -> Void
        var reader = STUNStreamReader()
        var onBound: ((ByteBuffer?) -> Void)?
        init(request: [UInt8], check: @escaping ([UInt8]) throws -> Void) {
            self.request = request
            self.check = check
        }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: request)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            reader.append(unwrapInboundIn(data).readableBytesView)
            do {
                guard let answer = try reader.next() else { return }
                try check(answer)
            } catch {
                context.close(promise: nil)
                return
            }
            let rest = reader.takeRemainder()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            // The owner adds its handlers now; the bytes that came with the answer go to them.
            onBound?(rest.isEmpty ? nil : ByteBuffer(bytes: rest))
        }
    }
}
