import DaemonWire
import HummingbirdCore
import NIOCore
import NIOHTTP1

/// Checks a WebSocket handshake before the upgrade decision. Hummingbird answers any refused
/// upgrade with a bare `400`; here a refused one loses its `Upgrade` header instead, so it goes
/// on as a plain request and the REST router refuses it with the real status and message
/// (401, 403 or 421, see ``APIAccess``). Only a connection's first request can upgrade, so the
/// gate looks at that one and steps out of the pipeline.
final class UpgradeGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let access: APIAccess

    init(access: APIAccess) {
        self.access = access
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let hosts = head.headers["Host"]
        let credentials = APIAccess.Credentials(
            host: hosts.count == 1 ? hosts[0] : nil, origins: head.headers["Origin"], authorization: head.headers["Authorization"].first,
            queryToken: URI(head.uri).queryItem(Endpoint.Query.accessToken))
        if head.headers.contains(name: "Upgrade"), access.refusal(credentials, queryTokenAllowed: true) != nil {
            head.headers.remove(name: "Upgrade")
            context.fireChannelRead(wrapInboundOut(.head(head)))
        } else {
            context.fireChannelRead(data)
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
