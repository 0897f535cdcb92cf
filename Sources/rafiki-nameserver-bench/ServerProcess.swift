import Foundation

/// `rafiki-nameserver` as a child process, so the load comes from another process than the
/// server's, as in production.
final class ServerProcess {
    let url: String
    private let process: Process

    init(executable: String, arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        // wrk's connections all come from 127.0.0.1: no per-IP share here.
        process.arguments = ["--port", "0", "--log-level", "error", "--max-connections-per-ip", "0"] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // The first line is `ready http://HOST:PORT`.
        var line = [UInt8]()
        while let byte = try out.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("ready ") else {
            process.terminate()
            throw BenchError("rafiki-nameserver did not start: \(text)")
        }
        url = String(text.dropFirst(6))
    }

    /// SIGTERM and wait: the graceful shutdown path.
    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
