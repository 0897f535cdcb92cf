import Synchronization

/// The one executor of a simulation run: jobs wait in a FIFO queue and run one at a time on
/// the simulation's thread, when ``Simulation`` drains it. With every task preferring it (and
/// default actors follow their task's preference), a run is a single sequence of jobs, the
/// same for the same inputs.
public final class SimulationExecutor: SerialExecutor, TaskExecutor {
    private let queue = Mutex<[UnownedJob]>([])
    private let ran = Atomic<Int>(0)

    public init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.append(job) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }

    /// Jobs run so far.
    public var jobsRun: Int { ran.load(ordering: .relaxed) }

    /// Runs queued jobs, and those they enqueue, until none is left. Call it on the
    /// simulation's thread only.
    func drain() {
        while true {
            let batch = queue.withLock { q -> [UnownedJob] in
                defer { q.removeAll(keepingCapacity: true) }
                return q
            }
            if batch.isEmpty { return }
            for job in batch {
                ran.add(1, ordering: .relaxed)
                job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
            }
        }
    }
}
