import Daemon
import DaemonWire
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The live event stream, two ways, for all accounts or the one named by `?account=`:
/// - `GET /v1/events` upgraded to a WebSocket: one JSON text message per ``DaemonEvent``.
///   Messages from the client are read and ignored; the stream ends when the client closes.
/// - `GET /v1/events/stream`: the same JSON objects as newline-delimited JSON in a plain HTTP
///   response, for clients without WebSocket (curl, or any client over the Unix socket). A bare
///   newline every ``keepaliveInterval`` keeps idle connections from being taken for dead.
struct EventStreamRoute: Sendable {
    let daemon: Daemon
    static let keepaliveInterval = Duration.seconds(15)

    func register(on router: Router<BasicWebSocketRequestContext>) {
        router.ws(RouterPath(Endpoint.events.template)) { _, _ in .upgrade([:]) } onUpgrade: { inbound, outbound, context in
            let account = context.request.uri.queryItem(Endpoint.Query.account).map(String.init)
            let events = daemon.events.subscribe()
            let sender = Task {
                for await event in events where account == nil || event.account == account {
                    guard let json = Self.json(event) else { continue }
                    do { try await outbound.write(.text(json)) } catch { return }
                }
            }
            defer { sender.cancel() }
            for try await _ in inbound {}
        }
    }

    func registerStream(on router: Router<some RequestContext>) {
        router.on(.eventStream) { request, _ in
            let account = request.uri.queryItem(Endpoint.Query.account).map(String.init)
            let events = daemon.events.subscribe()
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"], body: ResponseBody { writer in
                // One queue fed by the events and by a keepalive ticker; the writer drains it and
                // stops (cancelling both) when the client goes away.
                let (lines, sink) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(4096))
                let pump = Task {
                    for await event in events where account == nil || event.account == account {
                        if let json = Self.json(event) { sink.yield(json + "\n") }
                    }
                    sink.finish()
                }
                let ticker = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.keepaliveInterval)
                        sink.yield("\n")
                    }
                }
                defer {
                    pump.cancel()
                    ticker.cancel()
                }
                for await line in lines { try await writer.write(ByteBuffer(string: line)) }
                try await writer.finish(nil)
            })
        }
    }

    /// One event as a single line of JSON (sorted keys, so scripts can diff it).
    static func json(_ event: DaemonEvent) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) }
    }
}
