@testable import Connectivity
import ICE
import Identity
import Logging
import Multiplexer
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// A peer that completes ICE on loopback and then misbehaves: garbage instead of TLS, garbage
/// inside TLS, a frame over 65535 bytes, thousands of channel requests, never reading. Our side
/// must close (or hold) with a logged reason, never trap, never buffer without bound.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HostilePeerTests {
    /// Our socket (TLS server, like a requester) and the hostile end's raw channel.
    struct Setup {
        var ours: EventLoopFuture<PeerSocket>
        var raw: any Channel
        var peer: DeviceIdentity
        var us: DeviceIdentity
    }

    static func connect(limits: MuxLimits = MuxLimits()) async throws -> Setup {
        let log = Logger(label: "test")
        let loop = PeerEventLoops.next()
        let ids = try await TestDevices.shared.two()
        let lo = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        let a = ICESession(loop: loop, role: .controlled, addresses: [lo], logger: log)
        let b = ICESession(loop: loop, role: .controlling, addresses: [lo], logger: log)
        let (offer, answer) = (try await a.gather(), try await b.gather())
        b.start(remote: offer)
        a.start(remote: answer)
        let (ca, _) = try await a.connection()
        let (cb, _) = try await b.connection()
        let expected = ids[1].chain.encodings
        let promise = loop.makePromise(of: PeerSocket.self)
        promise.completeWithTask {
            try await PeerSocket.start(on: ca, isClient: false, tls: try PeerTLS.context(for: ids[0]),
                                       verify: { $0.encodings == expected ? .success(()) : .failure(.tls("not the expected chain")) },
                                       accepts: { $0.hasPrefix("ok") }, limits: limits, handshakeTimeout: .seconds(10), logger: log)
        }
        return Setup(ours: promise.futureResult, raw: cb, peer: ids[1], us: ids[0])
    }

    /// The hostile end speaks TLS (a proper client with its real chain); what it reads is counted.
    static func tlsPeer(_ s: Setup) async throws -> Recorder {
        let recorder = Recorder()
        try await s.raw.eventLoop.submit {
            let sync = s.raw.pipeline.syncOperations
            try sync.addHandler(try PeerTLS.handler(context: try PeerTLS.context(for: s.peer), isClient: true, verify: { _ in .success(()) }))
            try sync.addHandler(recorder)
            try sync.handler(type: ICEConnectionHandler.self).startDelivery()
        }.get()
        return recorder
    }

    final class Recorder: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: touched only on the channel's event loop.
        typealias InboundIn = ByteBuffer
        var received = 0
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { received += unwrapInboundIn(data).readableBytes }
    }

    static func write(_ s: Setup, _ bytes: ByteBuffer) async throws {
        try await s.raw.writeAndFlush(bytes)
    }

    static func frame(_ channel: UInt16, _ payload: [UInt8]) -> ByteBuffer {
        MuxFrame.encode(channel: channel, payload: ByteBuffer(bytes: payload))
    }

    @Test func garbageInsteadOfTLSFailsTheHandshake() async throws {
        let s = try await Self.connect()
        // Below the ICE handler: RFC 4571 packets of random bytes, no TLS at all.
        let raw = RawWriter()
        try await s.raw.eventLoop.submit { try s.raw.pipeline.syncOperations.addHandler(raw, position: .first) }.get()
        var rng = SystemRandomNumberGenerator()
        let garbage = (0..<3000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try await s.raw.eventLoop.submit { raw.write(RFC4571.frame(garbage)) }.get()
        await #expect(throws: ConnectivityError.self) { _ = try await s.ours.get() }
    }

    @Test func garbageInsideTLSClosesTheSocket() async throws {
        let s = try await Self.connect()
        _ = try await Self.tlsPeer(s)
        let socket = try await s.ours.get()
        try await Self.write(s, ByteBuffer(bytes: [0xc1, 0xc1, 0xc1, 0xc1]))  // 0xc1: never used in msgpack
        _ = await socket.closed
        #expect(!socket.isOpen)
    }

    @Test func aFrameOver65535BytesClosesTheSocket() async throws {
        let s = try await Self.connect()
        _ = try await Self.tlsPeer(s)
        let socket = try await s.ours.get()
        var big = ByteBuffer()
        big.writeBytes([0x92, 0x01, 0xc6])  // [1, bin32 …]
        big.writeInteger(UInt32(70_000))
        big.writeBytes([UInt8](repeating: 7, count: 70_000))
        try await Self.write(s, big)
        _ = await socket.closed
        #expect(!socket.isOpen)
    }

    /// 5,000 channel requests in one burst: those past the limits are declined, the socket
    /// stays up and serves a legitimate request after them.
    @Test func thousandsOfChannelRequestsAreBounded() async throws {
        let s = try await Self.connect(limits: MuxLimits(maxChannels: 64, maxOffered: 16))
        let peer = try await Self.tlsPeer(s)
        let socket = try await s.ours.get()
        var burst = ByteBuffer()
        for i in 0..<5000 {
            var f = Self.frame(MuxFrame.control, ChannelRequest(name: i % 2 == 0 ? "ok/\(i)" : "nope/\(i)", channel: UInt16(1 + i), state: .request).encoded)
            burst.writeBuffer(&f)
        }
        try await Self.write(s, burst)
        // How many get offered depends on how the burst is cut into reads (the limit counts
        // requests not yet answered), so: some accepted, the rest refused, none left open.
        var it = socket.incoming.makeAsyncIterator()
        let first = try #require(await it.next())
        #expect(first.name.hasPrefix("ok/"))
        first.close()
        let late = Self.frame(MuxFrame.control, ChannelRequest(name: "ok/late", channel: 9000, state: .request).encoded)
        try await Self.write(s, late)
        while let ch = await it.next() {
            ch.close()
            if ch.name == "ok/late" { break }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(socket.isOpen)
        let (stats, open) = try await socket.statistics
        #expect(open.count <= 64)
        #expect(stats.requestsRefused > 0)
        let answered = try await s.raw.eventLoop.submit { peer.received }.get()
        #expect(answered > 0)  // our accepts and declines went back
    }

    /// A peer that opens a channel and never reads: our writes wait for it instead of piling up.
    @Test func aPeerThatNeverReadsHoldsOurWrites() async throws {
        let s = try await Self.connect()
        _ = try await Self.tlsPeer(s)
        let socket = try await s.ours.get()
        try await s.raw.setOption(ChannelOptions.autoRead, value: false)
        try await Self.write(s, Self.frame(MuxFrame.control, ChannelRequest(name: "ok/stuck", channel: 5, state: .request).encoded))
        var it = socket.incoming.makeAsyncIterator()
        let channel = try #require(await it.next())
        let writer = Task {
            var sent = 0
            let chunk = ByteBuffer(repeating: 1, count: 60_000)
            while sent < 256 << 20 {
                try await channel.write(chunk)
                sent += chunk.readableBytes
            }
            return sent
        }
        try await Task.sleep(for: .seconds(2))
        let (stats, _) = try await socket.statistics
        // The kernel buffers take some; the rest waits in `write` (nothing queued past the limits).
        #expect(stats.bytesOut < 64 << 20, "\(stats.bytesOut) bytes went out to a peer that reads nothing")
        s.raw.close(promise: nil)
        await #expect(throws: (any Error).self) { _ = try await writer.value }
        _ = await socket.closed
    }
}

/// Writes straight to the socket, under every other handler.
final class RawWriter: ChannelOutboundHandler, @unchecked Sendable {
    // @unchecked: used only on the channel's event loop.
    typealias OutboundIn = ByteBuffer
    var context: ChannelHandlerContext?
    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func write(_ bytes: ByteBuffer) { context?.writeAndFlush(NIOAny(bytes), promise: nil) }
}
