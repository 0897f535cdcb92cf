import Connectivity
import Scheduling

extension PeerChannel {
    /// Closes this channel once `deadline` has passed, which ends a read of it (a peer that
    /// stops sending cannot hold the reader); cancel the task when done with the channel.
    func closing(after deadline: Duration, on scheduler: Scheduler) -> Task<Void, Never> {
        scheduler.spawn { [self] in
            guard (try? await scheduler.sleep(for: deadline)) != nil else { return }
            close()
        }
    }
}
