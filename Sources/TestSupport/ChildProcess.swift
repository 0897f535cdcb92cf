import Foundation
import Glibc
import Synchronization

/// A process a test or benchmark starts: spawned in a process group of its own, so stopping it
/// stops whatever it started too (a shell's children, a harness's daemons), and waited for with
/// `waitpid` on its own pid (Foundation's `Process` waits for SIGCHLD, which was seen to miss
/// exits, and signals only the child itself).
///
/// A child started while a ``ChildProcess/Scope`` is current (a task-local, set around each test
/// by the interop suites) is stopped when that scope ends, pass or fail; `deinit` kills a child
/// still running as a last resort.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let executable: String
    /// The exit status once known, and whether the pid was released (after which the group must
    /// not be signalled: the id may belong to someone else).
    private let state = Mutex<(status: Int32?, reaped: Bool)>((nil, false))

    /// Starts `executable` with `arguments`; stdin is /dev/null, stdout and stderr go to the
    /// files given (appended, created if missing) or to /dev/null.
    public init(_ executable: String, _ arguments: [String], stdout: String? = nil, stderr: String? = nil,
                environment: [String: String]? = nil) throws {
        self.executable = executable
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // Nothing else: NIO opens and accepts sockets without close-on-exec, so a child would
        // keep a copy of every connection the test process has open, and a server under test
        // closing one (an idle timeout, an eviction) would not close it at all.
        Self.closeFrom3(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)  // a new group, led by the child
        // Default signal handling: the test runner ignores or blocks some signals (SIGTERM for
        // graceful shutdowns), and a child would inherit that and shrug off `stop`.
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { env?.forEach { free($0) } }
        var pid = pid_t()
        let spawned = env.map { e in posix_spawn(&pid, executable, &actions, &attributes, argv, e) }
            ?? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        self.pid = pid
        Scope.current?.adopt(self)
    }

    /// glibc ≥ 2.34 closes every descriptor from 3 up in the child; Swift's Glibc module does
    /// not import that GNU extension, so it is looked up. Elsewhere, each descriptor open now.
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
    }

    deinit {
        killGroup(SIGKILL)  // no-op when the group is gone; the zombie keeps the id reserved
        reap()
    }

    /// The exit status (`WEXITSTATUS`, or 128 + the signal that ended it) once it has exited.
    /// The child is left a zombie until ``stop(grace:)`` or `deinit` reaps it: its pid, which
    /// names its process group, cannot be reused before then, so signalling the group never
    /// reaches a stranger.
    public var exitStatus: Int32? {
        state.withLock { s in
            if let known = s.status { return known }
            if s.reaped { return -1 }  // reaped by someone else: the status is lost
            var info = siginfo_t()
            guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid == pid else { return nil }
            let code = info._sifields._sigchld.si_status
            s.status = info.si_code == CLD_EXITED ? code : 128 + code
            return s.status
        }
    }

    public var isRunning: Bool { exitStatus == nil }

    /// Waits up to `timeout` for the child to exit by itself; then stops it (``stop(grace:)``).
    /// Returns the exit status, nil when it had to be stopped.
    @discardableResult
    public func wait(_ timeout: Duration, grace: Duration = .seconds(5)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let s = exitStatus { return s }
            try? await Task.sleep(for: .milliseconds(20))
        }
        if let s = exitStatus { return s }
        await stop(grace: grace)
        return nil
    }

    /// SIGTERM to the child's process group, SIGKILL to it after `grace`; returns once the child
    /// is reaped, with its exit status. The group is sent SIGKILL in the end in any case, so a
    /// grandchild that outlived the child (or ignored SIGTERM) goes too.
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) async -> Int32 {
        if exitStatus == nil {
            killGroup(SIGTERM)
            let deadline = ContinuousClock.now + grace
            while exitStatus == nil && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        killGroup(SIGKILL)
        return reap()
    }

    private func killGroup(_ signal: Int32) {
        state.withLock { s in if !s.reaped { kill(-pid, signal) } }
    }

    /// Waits for the child's exit (it has exited or was just killed) and releases its pid.
    @discardableResult
    private func reap() -> Int32 {
        state.withLock { s in
            if !s.reaped {
                var raw: Int32 = 0
                var r: pid_t
                repeat { r = waitpid(pid, &raw, 0) } while r == -1 && errno == EINTR
                s.reaped = true
                if s.status == nil, r == pid {
                    let signal = raw & 0x7f
                    s.status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
                }
            }
            return s.status ?? -1
        }
    }
}

extension ChildProcess {
    /// The children started while it is current (``current``, a task-local inherited by child
    /// tasks); ``stopAll()`` stops those still running.
    public final class Scope: Sendable {
        @TaskLocal public static var current: Scope?
        private let children = Mutex<[ChildProcess]>([])

        public init() {}

        func adopt(_ child: ChildProcess) { children.withLock { $0.append(child) } }

        /// Stops every child started in this scope that is still running, and any process left
        /// in their groups. Returns the executables that had to be stopped.
        @discardableResult
        public func stopAll() async -> [String] {
            let all = children.withLock { c in defer { c = [] }; return c }
            var stopped: [String] = []
            for child in all {
                if child.isRunning { stopped.append(child.executable) }
                await child.stop()
            }
            return stopped
        }

        /// Runs `body` with this scope current, then stops what it left running, pass or fail.
        public func run<T>(_ body: () async throws -> T) async throws -> T {
            do {
                let result = try await Self.$current.withValue(self) { try await body() }
                await stopAll()
                return result
            } catch {
                await stopAll()
                throw error
            }
        }
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
