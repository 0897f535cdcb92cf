import Connectivity
import Synchronization

/// Which channel names this device accepts, and who serves them: the services above register
/// a name prefix (`sip`, `git://`, …) and get every channel a peer opens under it. Read on the
/// sockets' event loops when a request arrives, so it is a lock, not an actor.
final class ChannelRegistry: Sendable {
    private let entries = Mutex<[(prefix: String, handler: Connections.ChannelHandler)]>([])

    func register(prefix: String, _ handler: @escaping Connections.ChannelHandler) {
        entries.withLock { $0.append((prefix, handler)) }
    }

    /// The handler for `name`: the first registered prefix it starts with. Names are at most
    /// a few hundred bytes and prefixes a handful, so this linear scan is cheap.
    func handler(for name: String) -> Connections.ChannelHandler? {
        entries.withLock { list in list.first { name.hasPrefix($0.prefix) }?.handler }
    }

    func accepts(_ name: String) -> Bool { handler(for: name) != nil }
}
