import Foundation

/// Swift seeds its hashing per process (and sets and dictionaries per instance), so iteration
/// orders differ between runs unless `SWIFT_DETERMINISTIC_HASHING` is set before the process
/// starts. The simulation promises the same trace for the same seed, so without it the tool
/// runs itself again with it set.
enum DeterministicHashing {
    static let variable = "SWIFT_DETERMINISTIC_HASHING"

    static func ensure() {
        guard ProcessInfo.processInfo.environment[variable] == nil else { return }
        setenv(variable, "1", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // Only reached when exec failed: run on, and say the trace may differ between runs.
        FileHandle.standardError.write(Data("[sim] could not re-run with \(variable)=1 (\(String(cString: strerror(errno)))); traces may differ between runs\n".utf8))
    }
}
