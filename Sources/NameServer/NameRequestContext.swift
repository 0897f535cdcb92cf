import Hummingbird
import NIOCore

/// Request context of the name server: the peer address (for per-IP rate limits) and a small
/// upload limit, since a registration body is about 2 KB.
public struct NameRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var maxUploadSize: Int { NameServerRoutes.maxBody }
}
