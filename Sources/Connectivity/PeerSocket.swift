import ICE
import Logging
import Multiplexer
import NIOCore
import NIOSSL

/// An authenticated socket to one peer device: TLS over the selected ICE connection, Jami's
/// multiplexer over TLS. Either side opens named channels on it.
///
/// ```swift
/// let socket = try await PeerSocket.start(on: channel, isClient: true, tls: context, verify: check,
///                                         accepts: { $0 == "sip" }, logger: log)
/// let sip = try await socket.open("sip")
/// try await sip.write(ByteBuffer(string: "…"))
/// for try await bytes in sip.inbound { … }
/// for await channel in socket.incoming { … }   // channels the peer opened and policy accepted
/// ```
public final class PeerSocket: Sendable {
    let channel: any Channel
    let mux: NIOLoopBound<MuxHandler>
    /// Channels the peer opened that `accepts` took.
    public let incoming: Incoming
    private let closedFuture: EventLoopFuture<ConnectivityError>

    /// Adds TLS and the multiplexer on top of `channel` (the ICE handler already at its bottom)
    /// and waits for the handshake, bounded by `handshakeTimeout` (jamid: 40 s).
    public static func start(on channel: any Channel, isClient: Bool, tls: NIOSSLContext, verify: @escaping PeerTLS.Verifier,
                             accepts: @escaping @Sendable (String) -> Bool, limits: MuxLimits = MuxLimits(),
                             handshakeTimeout: TimeAmount = .seconds(40), logger: Logger) async throws -> PeerSocket {
        let (stream, continuation) = AsyncStream<(UInt16, String, MuxHandler.Inbound)>.makeStream()
        let loop = channel.eventLoop
        let ready = loop.makePromise(of: Void.self)
        let closed = loop.makePromise(of: ConnectivityError.self)
        let socket: PeerSocket
        do {
            socket = try await loop.submit {
                let handler = MuxHandler(limits: limits, accepts: accepts, incoming: continuation, ready: ready, closed: closed, logger: logger)
                try channel.pipeline.syncOperations.addHandler(try PeerTLS.handler(context: tls, isClient: isClient, verify: verify))
                try channel.pipeline.syncOperations.addHandler(handler)
                try channel.pipeline.syncOperations.handler(type: ICEConnectionHandler.self).startDelivery()
                return PeerSocket(channel: channel, mux: NIOLoopBound(handler, eventLoop: loop), stream: stream, closed: closed.futureResult)
            }.get()
        } catch {
            // The connection went away before TLS could be added (its pipeline is gone): the
            // handler that completes the promises never existed, so they are completed here.
            let why = ConnectivityError.socketClosed("before TLS started: \(error)")
            ready.fail(why)
            closed.succeed(why)
            continuation.finish()
            channel.close(promise: nil)
            throw why
        }
        let timeout = loop.scheduleTask(in: handshakeTimeout) {
            ready.fail(ConnectivityError.tls("handshake timed out"))
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        do {
            try await ready.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return socket
    }

    private init(channel: any Channel, mux: NIOLoopBound<MuxHandler>, stream: AsyncStream<(UInt16, String, MuxHandler.Inbound)>, closed: EventLoopFuture<ConnectivityError>) {
        self.channel = channel
        self.mux = mux
        self.closedFuture = closed
        let loop = channel.eventLoop
        self.incoming = Incoming(base: stream.map { [mux] id, name, inbound in PeerChannel(id: id, name: name, loop: loop, mux: mux, stream: inbound) })
    }

    /// Opens a channel; throws ``ConnectivityError/channelDeclined(_:)`` when the peer declines.
    ///
    /// A peer that neither accepts nor declines within `timeout` gets the channel closed
    /// (`ConnectivityError.noAnswer`); the socket stays up.
    public func open(_ name: String, timeout: TimeAmount = .seconds(30)) async throws -> PeerChannel {
        let loop = channel.eventLoop
        let (id, inbound) = try await loop.flatSubmit { [mux] () -> EventLoopFuture<(UInt16, MuxHandler.Inbound)> in
            let h = mux.value
            if let e = h.ending { return loop.makeFailedFuture(e) }
            guard let id = h.core.open(name, using: &h.rng) else {
                return loop.makeFailedFuture(ConnectivityError.limit("channels on this socket"))
            }
            let p = loop.makePromise(of: MuxHandler.Inbound.self)
            h.opening[id] = (p, name)
            h.process()
            let expiry = loop.scheduleTask(in: timeout) {
                let h = mux.value
                guard let o = h.opening.removeValue(forKey: id) else { return }
                h.core.close(id)
                h.process()
                o.promise.fail(ConnectivityError.noAnswer)
            }
            p.futureResult.whenComplete { _ in expiry.cancel() }
            return p.futureResult.map { (id, $0) }
        }.get()
        return PeerChannel(id: id, name: name, loop: loop, mux: mux, stream: inbound)
    }

    /// Sends a beacon; the socket closes if the peer does not answer in 3 s.
    public func ping() {
        channel.eventLoop.execute { [mux] in
            mux.value.core.ping(now: MuxHandler.now())
            mux.value.process()
        }
    }

    /// Closes the whole socket.
    public func close() {
        channel.eventLoop.execute { [mux, channel] in
            mux.value.ending = mux.value.ending ?? .socketClosed("closed locally")
            channel.close(promise: nil)
        }
    }

    /// Why the socket closed, once it has.
    public var closed: ConnectivityError {
        get async { (try? await closedFuture.get()) ?? .socketClosed("unknown") }
    }

    public var isOpen: Bool { channel.isActive }

    /// Byte and channel counts for the API.
    public var statistics: (statistics: MuxStatistics, channels: [String]) {
        get async throws {
            try await channel.eventLoop.submit { [mux] in
                let core = mux.value.core
                return (core.statistics, core.openChannels.compactMap { core.name(of: $0) })
            }.get()
        }
    }
}

extension PeerSocket {
    /// The channels the peer opens and policy accepts, in order; ends when the socket closes.
    public struct Incoming: AsyncSequence, Sendable {
        let base: AsyncMapSequence<AsyncStream<(UInt16, String, MuxHandler.Inbound)>, PeerChannel>
        public struct AsyncIterator: AsyncIteratorProtocol {
            var base: AsyncMapSequence<AsyncStream<(UInt16, String, MuxHandler.Inbound)>, PeerChannel>.AsyncIterator
            public mutating func next() async -> PeerChannel? { await base.next() }
        }
        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
    }
}
