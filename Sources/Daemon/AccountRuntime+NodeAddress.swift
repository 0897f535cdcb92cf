import DaemonWire
import DHT

/// The account's place on the DHT, kept across restarts: its node id and the port of its last
/// run (see ``UDPNodeFactory``).
extension AccountRuntime {
    /// The setting that keeps the node id (20 bytes); set it before the first start to choose it.
    public static let nodeIdSetting = "dht.nodeId"
    static let nodePortSetting = "dht.port"

    /// The saved id (made now and saved the first time), and the saved port.
    func savedNodeAddress() -> (id: InfoHash, port: Int?) {
        var saved: (id: [UInt8]?, port: [UInt8]?) = (nil, nil)
        do {
            saved = (try database.setting(Self.nodeIdSetting), try database.setting(Self.nodePortSetting))
        } catch {
            context.logger.warning("cannot read the DHT node address of the last run; joining as a new node", metadata: ["error": "\(error)"])
        }
        let port = saved.port.flatMap { b in b.count == 2 ? Int(b[0]) << 8 | Int(b[1]) : nil }
        if let bytes = saved.id, let id = InfoHash(bytes: bytes) { return (id, port) }
        var rng = SystemRandomNumberGenerator()
        return (InfoHash.random(using: &rng), nil)
    }

    func saveNodeAddress(id: InfoHash, port: Int) {
        let database = database
        context.recording("the DHT node address (a restart will rejoin more slowly)") { () throws(DaemonError) in
            try database.setSetting(Self.nodeIdSetting, id.bytes)
            try database.setSetting(Self.nodePortSetting, [UInt8(truncatingIfNeeded: port >> 8), UInt8(truncatingIfNeeded: port)])
        }
    }
}
