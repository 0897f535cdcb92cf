import Daemon
import ServiceLifecycle

/// The daemon's accounts as a lifecycle service: online while the group runs, stopped cleanly
/// (DHT nodes closed, SQLite files closed) on graceful shutdown (SIGINT/SIGTERM in `rafikid`).
public struct DaemonService: Service {
    let daemon: Daemon

    public init(daemon: Daemon) { self.daemon = daemon }

    public func run() async throws {
        await daemon.start()
        try? await gracefulShutdown()
        await daemon.stop()
    }
}
