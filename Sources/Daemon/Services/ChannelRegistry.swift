import Connectivity
import Identity
import Synchronization

/// Which channel names this device accepts, and who serves them: the services above register
/// a name prefix (`sip`, `git://`, …) and get every channel a peer opens under it. Read on the
/// sockets' event loops when a request arrives, so it is a lock, not an actor.
final class ChannelRegistry: Sendable {
    private let entries = Mutex<[(prefix: String, handler: Connections.ChannelHandler)]>([])
    /// The last few names each device asked for and was refused, for `rafiki peers`.
    private let declined = Mutex<[PublicKeyID: [String]]>([:])
    static let declinedShown = 8

    func register(prefix: String, _ handler: @escaping Connections.ChannelHandler) {
        entries.withLock { $0.append((prefix, handler)) }
    }

    /// The handler for `name`: the longest registered prefix it starts with (so a more
    /// specific registration, such as one conversation's transfers, wins). Names are at most a
    /// few hundred bytes and prefixes a handful, so this linear scan is cheap.
    func handler(for name: String) -> Connections.ChannelHandler? {
        entries.withLock { list in list.filter { name.hasPrefix($0.prefix) }.max { $0.prefix.count < $1.prefix.count }?.handler }
    }

    /// Whether a channel `name` from `device` is served; a refusal is remembered.
    func accepts(_ name: String, from device: PublicKeyID) -> Bool {
        if handler(for: name) != nil { return true }
        declined.withLock { all in
            var names = all[device, default: []].filter { $0 != name }
            names.append(String(name.prefix(128)))
            all[device] = names.suffix(Self.declinedShown)
        }
        return false
    }

    func declinedNames(of device: PublicKeyID) -> [String] { declined.withLock { $0[device] ?? [] } }

    func forget(_ device: PublicKeyID) { _ = declined.withLock { $0.removeValue(forKey: device) } }
}
