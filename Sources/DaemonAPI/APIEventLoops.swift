import NIOCore
import NIOPosix

/// The local API's own event loop, apart from NIO's shared ones that carry the DHT: a flood of
/// DHT datagrams (an attack, or a busy network on a slow machine) keeps those loops parsing and
/// must not leave the person at the CLI without an answer. One thread: the API serves one
/// person's clients.
public enum APIEventLoops {
    public static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
}
