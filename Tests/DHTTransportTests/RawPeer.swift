import DHT
@testable import DHTTransport
import NIOCore
import NIOPosix

/// A bare UDP socket on loopback speaking raw datagrams, to attack a running node as a script on
/// the network would. What it receives comes out of ``datagrams``.
final class RawPeer: Sendable {
    let channel: any Channel
    let address: PeerAddress
    let datagrams: AsyncStream<(WireMessage, PeerAddress)>

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let continuation: AsyncStream<(WireMessage, PeerAddress)>.Continuation
        init(_ c: AsyncStream<(WireMessage, PeerAddress)>.Continuation) { continuation = c }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let from = PeerAddress(envelope.remoteAddress),
                  let msg = try? MessageParser.parse(Array(envelope.data.readableBytesView)) else { return }
            continuation.yield((msg, from))
        }
    }

    /// Binds a socket on `host` (any port).
    init(host: String) async throws {
        let (stream, continuation) = AsyncStream<(WireMessage, PeerAddress)>.makeStream(bufferingPolicy: .bufferingNewest(100_000))
        datagrams = stream
        channel = try await DatagramBootstrap(group: AttackLoopbackTests.loops)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(continuation)) }
            }
            .bind(host: host, port: 0).get()
        guard let local = channel.localAddress.flatMap(PeerAddress.init) else { throw ChannelError.unknownLocalAddress }
        address = local
    }

    /// Sends datagrams to `target`, flushing once.
    func send(_ datagrams: [[UInt8]], to target: PeerAddress) async throws {
        guard let last = datagrams.last else { return }
        for d in datagrams.dropLast() {
            channel.write(AddressedEnvelope(remoteAddress: target.socketAddress, data: channel.allocator.buffer(bytes: d)), promise: nil)
        }
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target.socketAddress, data: channel.allocator.buffer(bytes: last))).get()
    }

    func close() async { try? await channel.close().get() }
}
