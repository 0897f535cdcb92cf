import Daemon
import Foundation
import Hummingbird
import HummingbirdWebSocket

/// `GET /v1/events` upgraded to a WebSocket: one JSON text message per ``DaemonEvent``, for all
/// accounts or the one named by `?account=`. Messages from the client are read and ignored; the
/// stream ends when the client closes.
struct EventStreamRoute: Sendable {
    let daemon: Daemon

    func register(on router: Router<BasicWebSocketRequestContext>) {
        router.ws("v1/events") { _, _ in .upgrade([:]) } onUpgrade: { inbound, outbound, context in
            let account = context.request.uri.queryParameters["account"].map(String.init)
            let events = daemon.events.subscribe()
            let sender = Task {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for await event in events where account == nil || event.account == account {
                    guard let data = try? encoder.encode(event) else { continue }
                    do { try await outbound.write(.text(String(decoding: data, as: UTF8.self))) } catch { return }
                }
            }
            defer { sender.cancel() }
            for try await _ in inbound {}
        }
    }
}
