import Foundation
import Glibc
import Testing
import TestSupport

/// Finding 12 of issue 13: a test's child processes, and what they start, are gone when the
/// test ends, pass or fail (before, OpenDHT nodes and a `rafiki-dhtnode` run by a shell outlived
/// green runs by up to 330 s).
@Suite(.timeLimit(.minutes(1)))
struct ChildProcessTests {
    struct Failed: Error {}

    /// A shell that starts a long `sleep` and waits for it, like the jamid scripts' `--node`.
    func shellWithGrandchild(pidFile: URL) throws -> ChildProcess {
        try ChildProcess("/bin/sh", ["-c", "sleep 300 & echo $! > '\(pidFile.path)'; wait"])
    }

    func grandchild(_ pidFile: URL) async throws -> pid_t {
        for _ in 0..<200 {
            if let text = try? String(contentsOf: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return pid
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("the shell did not start its child")
    }

    func isAlive(_ pid: pid_t) -> Bool {
        // A zombie waiting for its reaper (init, once the shell is gone) counts as gone.
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return stat.split(separator: ")").last?.split(separator: " ").first != "Z"
    }

    @Test func aFailingTestStopsItsChildAndGrandchild() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let scope = ChildProcess.Scope()
        var shell: ChildProcess?
        var sleeper: pid_t = 0
        await #expect(throws: Failed.self) {
            try await scope.run {
                shell = try shellWithGrandchild(pidFile: pidFile)
                sleeper = try await grandchild(pidFile)
                throw Failed()
            }
        }
        #expect(shell?.isRunning == false)
        try await Task.sleep(for: .milliseconds(200))  // init reaps the orphaned sleep
        #expect(sleeper > 0 && !isAlive(sleeper), "sleep \(sleeper) outlived the test")
    }

    @Test func stopSignalsTheWholeGroup() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        let shell = try shellWithGrandchild(pidFile: pidFile)
        let sleeper = try await grandchild(pidFile)
        let status = await shell.stop(grace: .seconds(2))
        #expect(status == 128 + SIGTERM)
        try await Task.sleep(for: .milliseconds(200))
        #expect(!isAlive(sleeper), "sleep \(sleeper) outlived its shell")
    }

    @Test func wait() async throws {
        let done = try ChildProcess("/bin/sh", ["-c", "exit 3"])
        #expect(await done.wait(.seconds(10)) == 3)
        let slow = try ChildProcess("/bin/sleep", ["300"])
        #expect(await slow.wait(.milliseconds(100)) == nil)
        #expect(!slow.isRunning)
    }

    /// A child gets stdin, stdout and stderr and nothing else: NIO's sockets are not
    /// close-on-exec, and a child holding a copy of a server's connection kept it open after the
    /// server closed it (the connection-limit tests failed whenever interop tests ran beside them).
    @Test func aChildInheritsNoOtherDescriptor() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let leaked = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)  // no SOCK_CLOEXEC, as NIO's
        defer { Glibc.close(leaked) }
        #expect(leaked > 2)
        let child = try ChildProcess("/bin/sh", ["-c", "ls /proc/$$/fd"], stdout: out.path)
        #expect(await child.wait(.seconds(20)) == 0)
        let fds = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(Set(fds) == ["0", "1", "2"], "the child had \(fds)")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
