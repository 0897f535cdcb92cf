import Connectivity
import Foundation
import Identity
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// The baseline: plain TLS over one loopback TCP connection with the same contexts as peer
/// sockets (so the same version, cipher and record sizes), no ICE framing, no multiplexer.
enum RawTLS {
    static func throughput(_ a: DeviceIdentity, _ b: DeviceIdentity, bytes: Int) async throws -> Double {
        let (serverLoop, clientLoop) = twoLoops()
        let done = serverLoop.makePromise(of: ContinuousClock.Instant.self)
        let (serverTLS, clientTLS) = (try PeerTLS.context(for: a), try PeerTLS.context(for: b))
        let server = try await ServerBootstrap(group: serverLoop)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(try PeerTLS.handler(context: serverTLS, isClient: false, verify: { _ in .success(()) }))
                    try ch.pipeline.syncOperations.addHandler(Sink(expected: bytes, done: done))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let started = clientLoop.makePromise(of: ContinuousClock.Instant.self)
        let client = try await ClientBootstrap(group: clientLoop)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(try PeerTLS.handler(context: clientTLS, isClient: true, verify: { _ in .success(()) }))
                    try ch.pipeline.syncOperations.addHandler(Pump(total: bytes, started: started))
                }
            }
            .connect(to: server.localAddress!).get()
        let start = try await started.futureResult.get()
        let end = try await done.futureResult.get()
        client.close(promise: nil)
        server.close(promise: nil)
        return Double(bytes) / Double(1 << 30) / ((end - start) / .seconds(1))
    }

    /// Writes `total` bytes as fast as the channel takes them, once the handshake is done.
    final class Pump: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: used only on its channel's event loop.
        typealias InboundIn = ByteBuffer
        let total: Int
        let started: EventLoopPromise<ContinuousClock.Instant>
        var sent = 0
        var running = false
        let chunk = ByteBuffer(repeating: 0x5a, count: 60_000)
        init(total: Int, started: EventLoopPromise<ContinuousClock.Instant>) {
            self.total = total
            self.started = started
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event {
                running = true
                started.succeed(.now)
                pump(context)
            }
            context.fireUserInboundEventTriggered(event)
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if running { pump(context) }
        }

        /// Flushes every 4 chunks (240 KB, as the multiplexer writes 256 KiB at a time):
        /// NIOSSL holds unflushed writes itself, so `isWritable` only turns false once flushed.
        private func pump(_ context: ChannelHandlerContext) {
            while sent < total, context.channel.isWritable {
                for _ in 0..<4 where sent < total {
                    context.write(NIOAny(chunk), promise: nil)
                    sent += chunk.readableBytes
                }
                context.flush()
            }
        }
    }

    /// Counts what arrives; done at `expected` bytes.
    final class Sink: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: used only on its channel's event loop.
        typealias InboundIn = ByteBuffer
        let expected: Int
        let done: EventLoopPromise<ContinuousClock.Instant>
        var got = 0
        init(expected: Int, done: EventLoopPromise<ContinuousClock.Instant>) {
            self.expected = expected
            self.done = done
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            got += unwrapInboundIn(data).readableBytes
            if got >= expected { done.succeed(.now) }
        }
    }
}
