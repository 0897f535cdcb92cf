import Foundation

/// Blocking work (Argon2, RSA key generation, writes with fsync) kept off Swift's cooperative
/// pool. The pool has one thread per core: one Argon2 derivation (64 MiB, most of a second) per
/// pool thread stalls every task in the process meanwhile, the local API's accept loop and
/// event streams included.
public enum Blocking {
    /// Runs `work` on a thread of its own and returns what it returned or threw.
    public static func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        // A queue of its own gets its own thread (private queues target the overcommitting
        // global queue), unlike work sent to the core-wide pool.
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            DispatchQueue(label: "rafiki.blocking").async {
                continuation.resume(returning: Result { () throws(E) in try work() })
            }
        }
        return try result.get()
    }
}
