import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// A Hummingbird child channel (plain HTTP/1 or HTTP/1 with WebSocket upgrade) with the
/// connection limits around it: the ``ConnectionTable`` admits each new connection (or refuses
/// it), a ``ConnectionDeadlineHandler`` goes first in its pipeline, and a
/// ``RequestProgressHandler`` (plus any `httpHandlers`) right behind the HTTP/1 decoder.
///
/// ```swift
/// let table = ConnectionTable(limits: ConnectionLimits(maxConnections: 1024))
/// let app = Application(router: router, server: .limited(by: table) { responder in
///     HTTP1Channel(responder: responder)
/// })
/// ```
public struct LimitedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Inner.Value

    let inner: Inner
    let table: ConnectionTable
    let httpHandlers: @Sendable () -> [any ChannelHandler]

    /// - Parameter httpHandlers: more handlers for NIO's HTTP/1 parts, placed behind the decoder
    ///   (before Hummingbird's conversion and before the WebSocket upgrade decision).
    public init(_ inner: Inner, table: ConnectionTable, httpHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }) {
        self.inner = inner
        self.table = table
        self.httpHandlers = httpHandlers
    }

    /// Refused connections are closed here and never reach `handle`.
    struct Refused: Error {}

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard let ticket = table.admit(channel) else { return channel.eventLoop.makeFailedFuture(Refused()) }
        let table = table
        channel.closeFuture.whenComplete { _ in table.remove(ticket) }
        let deadlines = ConnectionDeadlineHandler(table: table, ticket: ticket)
        do {
            try channel.pipeline.syncOperations.addHandler(deadlines, position: .first)
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        let httpHandlers = httpHandlers
        return inner.setup(channel: channel, logger: logger).assumeIsolated().flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            var previous: any ChannelHandler = decoder
            for handler in [RequestProgressHandler(reportingTo: deadlines)] + httpHandlers() {
                try pipeline.addHandler(handler, position: .after(previous))
                previous = handler
            }
            return value
        }.nonisolated()
    }

    public func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// Builds the child channel `make` returns for each server, wrapped in ``LimitedChildChannel``.
    public static func limited<Inner: ServerChildChannel>(
        by table: ConnectionTable, httpHandlers: @escaping @Sendable () -> [any ChannelHandler] = { [] },
        _ make: @escaping @Sendable (@escaping HTTPChannelHandler.Responder) throws -> Inner
    ) -> HTTPServerBuilder {
        .init { responder in LimitedChildChannel(try make(responder), table: table, httpHandlers: httpHandlers) }
    }
}
