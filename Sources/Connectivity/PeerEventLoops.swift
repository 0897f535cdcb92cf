import NIOCore
import NIOPosix

/// The event loops peer sockets run on: their own threads, apart from NIO's shared ones that
/// serve the local API and the DHT, so a bulk transfer (TLS, framing) cannot hold up an API
/// answer or a DHT reply. Half the cores, at least one.
public enum PeerEventLoops {
    public static let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount / 2))

    public static func next() -> any EventLoop { group.next() }
}
