import Daemon
import DaemonWire
import Hummingbird

extension DaemonRoutes {
    func registerPeers(on router: Router<some RequestContext>) {
        router.on(.peers) { _, context in
            try await answering { API.PeerList(peers: try await runtime(context).peers()) }
        }
        router.on(.connectPeer) { request, context in
            let body = try await request.decode(as: API.ConnectPeer.self, context: context)
            return try await answering {
                let runtime = try await runtime(context)
                let target = try await daemon.resolve(body.peer)
                return API.PeerList(peers: try await runtime.connectPeer(target))
            }
        }
        router.on(.probeChannel) { request, context in
            let body = try await request.decode(as: API.ProbeChannel.self, context: context)
            return try await answering { try await runtime(context).probeChannel(body.name, on: try peer(context)) }
        }
        router.on(.disconnectPeer) { _, context -> HTTPResponse.Status in
            try await answering { try await runtime(context).disconnectPeer(try peer(context)) }
            return .noContent
        }
    }
}
