import CMalloc
import Foundation
import NIOCore
import NIOPosix

/// Process-wide settings for the daemon (and the benchmarks that measure it), applied first
/// thing, before NIO starts its threads.
///
/// - glibc gives each thread that allocates its own malloc arena (up to 8 per core), each keeping
///   freed memory around; the daemon's work is I/O-bound, so two arenas are enough.
/// - glibc serves allocations of 128 KiB and more with a fresh `mmap` each, so every such buffer
///   is faulted in and zeroed page by page and unmapped when freed: TLS's receive buffers and
///   the multiplexer's 256 KiB writes paid that on every read and write of a bulk transfer
///   (about 15 % of the CPU a transfer took). Up to 1 MiB now comes from the heap, which keeps
///   up to 8 MiB of freed memory at its top instead of handing it back at once.
/// - NIO's shared event loop group defaults to one thread per core; a daemon serving one
///   person's accounts and a loopback API does not need more than two.
///
/// Each can be overridden by the usual environment variables (`MALLOC_ARENA_MAX`,
/// `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, and `RAFIKID_EVENT_LOOPS` for NIO).
public enum ProcessTuning {
    public static let mmapThreshold: Int32 = 1 << 20
    public static let trimThreshold: Int32 = 8 << 20

    public static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if environment["MALLOC_ARENA_MAX"] == nil {
            _ = mallopt(M_ARENA_MAX, 2)
        }
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil {
            _ = mallopt(M_MMAP_THRESHOLD, mmapThreshold)
        }
        if environment["MALLOC_TRIM_THRESHOLD_"] == nil {
            _ = mallopt(M_TRIM_THRESHOLD, trimThreshold)
        }
        let loops = environment["RAFIKID_EVENT_LOOPS"].flatMap(Int.init) ?? min(2, System.coreCount)
        NIOSingletons.groupLoopCountSuggestion = max(1, loops)
        NIOSingletons.blockingPoolThreadCountSuggestion = max(1, min(2, System.coreCount))
    }
}
