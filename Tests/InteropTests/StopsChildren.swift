import Testing
import TestSupport

/// Every child process a test starts (OpenDHT nodes, jamid scenarios and what they run) is
/// stopped, with its process group, when the test ends, pass or fail: the suites of this
/// target carry `.stopsChildren`, and ``ReferencePeer`` and ``JamidIdentityTests/runScript(_:script:)``
/// start their processes as ``ChildProcess``es, which join the current test's scope.
struct StopsChildrenTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // The suite itself gets no scope of its own: each test (and test case) does.
        guard testCase != nil || !test.isSuite else { return try await function() }
        let scope = ChildProcess.Scope()
        try await scope.run(function)
    }
}

extension Trait where Self == StopsChildrenTrait {
    /// Stops the child processes each test started when it ends.
    static var stopsChildren: Self { StopsChildrenTrait() }
}
