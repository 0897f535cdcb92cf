import DHT
import NIOCore

/// Moves datagrams between one UDP channel and the node driver. Reads are fed to the core one
/// by one; outputs are flushed once per read batch, so NIO can send them with one `sendmmsg`.
final class DHTChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let driver: DHTNodeDriver

    init(driver: DHTNodeDriver) {
        self.driver = driver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let source = PeerAddress(envelope.remoteAddress) else { return }
        var buffer = envelope.data
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        driver.receive(bytes, from: source, socketAddress: envelope.remoteAddress)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        driver.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors (port unreachable) surface here; a dead peer is handled by timeouts.
        driver.logSocketError(error)
    }
}
