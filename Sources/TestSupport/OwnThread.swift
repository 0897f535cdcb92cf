import Foundation

/// Runs blocking work (waiting for a child process, generating keys) on a thread of its own.
/// Swift's cooperative pool has one thread per core: a test that blocks one for a minute
/// (jamid's scenario) starves every other concurrent test's tasks, and timing-sensitive
/// interop tests then fail.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}
