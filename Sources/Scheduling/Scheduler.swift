/// Time and tasks for the daemon's services: the system clock and Swift's global executor in a
/// daemon, the simulation's virtual clock and single-threaded executor in `rafiki-sim`.
///
/// Services never call `Task.sleep`, `Task.detached` or a wall clock themselves: they ask their
/// scheduler, so the same code runs in the deterministic simulation, where every job runs on
/// one thread in a replayable order and an hour of retries takes no real time.
public struct Scheduler: Sendable {
    public let clock: any ServiceClock
    /// The executor unstructured tasks prefer; nil for the global one.
    public let executor: (any TaskExecutor)?
    private let random: @Sendable () -> UInt64

    /// `random` draws ids (of DHT values, say): the system's generator in a daemon, a seeded
    /// one in the simulation, so a seed replays the same values.
    public init(clock: any ServiceClock, executor: (any TaskExecutor)?, random: @escaping @Sendable () -> UInt64 = { .random(in: 1...UInt64.max) }) {
        self.clock = clock
        self.executor = executor
        self.random = random
    }

    /// The real clock and the global executor.
    public static let system = Scheduler(clock: SystemClock(), executor: nil)

    /// A random id, never 0.
    public func randomID() -> UInt64 { max(1, random()) }

    /// Milliseconds since 1970.
    public var unixMilliseconds: Int64 { clock.unixMilliseconds }

    /// Seconds since 1970, for records.
    public var unixSeconds: Int64 { clock.unixMilliseconds / 1000 }

    /// Suspends for `duration`; throws `CancellationError` when the task is cancelled first.
    public func sleep(for duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }

    /// Starts an unstructured task on this scheduler's executor. Use it instead of `Task {}`,
    /// whose closure runs on the global executor when it is not actor-isolated (a `[weak self]`
    /// capture makes it so), and instead of `Task.detached`.
    @discardableResult
    public func spawn<T: Sendable>(_ body: sending @escaping @isolated(any) () async -> T) -> Task<T, Never> {
        Task(executorPreference: executor, operation: body)
    }

    /// Like ``spawn(_:)`` for a body that throws.
    @discardableResult
    public func spawnThrowing<T: Sendable>(_ body: sending @escaping @isolated(any) () async throws -> T) -> Task<T, any Error> {
        Task(executorPreference: executor, operation: body)
    }
}
