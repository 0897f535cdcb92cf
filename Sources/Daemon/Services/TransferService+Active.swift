import Connectivity
import Scheduling
import Synchronization

extension TransferService {
    /// One download under way: its task, how far it is, and the channel it reads, shared
    /// between the download's task, its idle watchdog and ``TransferService/cancel(_:in:)``.
    /// Every field is a `Mutex` or an `Atomic`, so it is `Sendable` as it is.
    final class Active: Sendable {
        let task: Mutex<Task<Void, Never>?> = Mutex(nil)
        let channel: Mutex<PeerChannel?> = Mutex(nil)
        /// Bytes of the file here so far.
        let bytes = Atomic<Int64>(0)
        /// Whether a source is sending (else waiting for one).
        let ongoing = Atomic<Bool>(false)
        /// Bumped when a member's device appears: a wait between rounds ends early.
        let wakeups = Atomic<Int>(0)
        private let stopped = Atomic<Bool>(false)

        var isStopped: Bool { stopped.load(ordering: .relaxed) }

        /// Ends the download: its channel closes, which ends the read, and no source is tried after.
        func stop() {
            stopped.store(true, ordering: .relaxed)
            channel.withLock { $0 }?.close()
        }

        /// Sleeps `delay`, in one-second steps so a wake-up or a stop ends it early.
        func wait(_ delay: Duration, scheduler: Scheduler) async {
            let start = wakeups.load(ordering: .relaxed)
            var left = delay
            while left > .zero, !isStopped, wakeups.load(ordering: .relaxed) == start {
                let step = min(left, .seconds(1))
                guard (try? await scheduler.sleep(for: step)) != nil else { return }
                left -= step
            }
        }
    }
}
