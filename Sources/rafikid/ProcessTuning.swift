import CMalloc
import Foundation
import NIOCore
import NIOPosix

/// Settings that keep an idle daemon small, applied first thing in `run()`, before NIO starts
/// its threads.
///
/// glibc gives each thread that allocates its own malloc arena (up to 8 per core), each keeping
/// freed memory around; the daemon's work is I/O-bound, so two arenas are enough. NIO's shared
/// event loop group defaults to one thread per core; a daemon serving one person's accounts and a
/// loopback API does not need more than two. Both can be raised by the usual environment
/// variables (`MALLOC_ARENA_MAX`, and `RAFIKID_EVENT_LOOPS` for NIO).
enum ProcessTuning {
    static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if environment["MALLOC_ARENA_MAX"] == nil {
            _ = mallopt(M_ARENA_MAX, 2)
        }
        let loops = environment["RAFIKID_EVENT_LOOPS"].flatMap(Int.init) ?? min(2, System.coreCount)
        NIOSingletons.groupLoopCountSuggestion = max(1, loops)
        NIOSingletons.blockingPoolThreadCountSuggestion = max(1, min(2, System.coreCount))
    }
}
