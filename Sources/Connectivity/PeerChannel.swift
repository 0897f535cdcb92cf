import Multiplexer
import NIOCore

/// One named channel of a ``PeerSocket``: an async byte stream each way. Reading reports the
/// bytes consumed to the multiplexer, so a reader that stops makes the socket push back (and,
/// past the stall timeout, resets only this channel).
public final class PeerChannel: Sendable {
    public let id: UInt16
    public let name: String
    let loop: any EventLoop
    let mux: NIOLoopBound<MuxHandler>
    private let stream: MuxHandler.Inbound
    /// Consumed bytes are reported to the multiplexer this many at a time.
    static let reportBatch = 256 << 10

    /// `stream` is the one the handler registered when the channel opened.
    init(id: UInt16, name: String, loop: any EventLoop, mux: NIOLoopBound<MuxHandler>, stream: MuxHandler.Inbound) {
        self.id = id
        self.name = name
        self.loop = loop
        self.mux = mux
        self.stream = stream
    }

    /// The bytes the peer sends, in order; ends when the channel closes (throws when it was
    /// reset or the socket failed).
    public var inbound: Inbound { Inbound(channel: self) }

    public struct Inbound: AsyncSequence, Sendable {
        let channel: PeerChannel
        public struct AsyncIterator: AsyncIteratorProtocol {
            var base: MuxHandler.Inbound.AsyncIterator
            let channel: PeerChannel
            /// The batch being handed out, and the next buffer of it.
            var batch: [ByteBuffer] = []
            var index = 0
            /// Bytes read but not yet reported: reporting is a hop onto the socket's loop, so
            /// it is batched. A batch is a quarter of the 1 MiB high-water mark, so what a
            /// reader holds unreported never stops the peer.
            var unreported = 0
            public mutating func next() async throws -> ByteBuffer? {
                if index == batch.count {
                    guard let next = try await base.next() else { return nil }
                    (batch, index) = (next, 0)
                }
                let b = batch[index]
                index += 1
                unreported += b.readableBytes
                if unreported >= PeerChannel.reportBatch { report() }
                return b
            }

            private mutating func report() {
                let (id, n, mux) = (channel.id, unreported, channel.mux)
                unreported = 0
                channel.loop.execute {
                    mux.value.core.consumed(id, bytes: n)
                    mux.value.process()
                }
            }
        }
        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: channel.stream.makeAsyncIterator(), channel: channel) }
    }

    /// Queues bytes; returns when the channel has room for more (its send buffer below the
    /// high-water mark), so a fast writer runs at the socket's pace.
    public func write(_ bytes: ByteBuffer) async throws {
        try await loop.flatSubmit { [mux, id, loop] () -> EventLoopFuture<Void> in
            let h = mux.value
            if let e = h.ending { return loop.makeFailedFuture(e) }
            guard h.core.send(id, bytes) else { return loop.makeFailedFuture(ConnectivityError.socketClosed("channel closed")) }
            h.flush()
            if h.core.sendCapacity(id) > 0 { return loop.makeSucceededVoidFuture() }
            let p = loop.makePromise(of: Void.self)
            h.writers[id, default: []].append(p)
            return p.futureResult
        }.get()
    }

    /// Ends the channel (what was written is sent first).
    public func close() {
        loop.execute { [mux, id] in
            mux.value.core.close(id)
            mux.value.sinks.removeValue(forKey: id)?.finish()
            mux.value.process()
        }
    }
}
