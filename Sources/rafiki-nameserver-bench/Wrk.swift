import Foundation

/// Lookups under `wrk` (Debian's), from its own process: random names among the registered ones.
enum Wrk {
    struct Result {
        let requestsPerSecond: Double
        let p50: Double, p99: Double  // milliseconds
        let errors: Int
    }

    /// `sequential` walks the names in order (a warm-up that touches each one) instead of
    /// picking them at random.
    static func lookups(url: String, names: Int, seconds: Int, connections: Int, threads: Int, sequential: Bool = false) throws -> Result {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-wrk-\(UUID().uuidString).lua")
        let pick = sequential ? "i = (i + 1) % n" : "i = math.random(0, n - 1)"
        try """
            local n = \(names)
            local i = 0
            request = function()
              \(pick)
              return wrk.format("GET", "/name/user-" .. i)
            end
            """.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        p.arguments = ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script.path, url]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard let rps = number(after: "Requests/sec:", in: text), let p50 = latency("50%", in: text), let p99 = latency("99%", in: text) else {
            throw BenchError("cannot read wrk's output:\n\(text)")
        }
        let non2xx = number(after: "Non-2xx or 3xx responses:", in: text) ?? 0
        let socketErrors = text.split(separator: "\n").first { $0.contains("Socket errors") }.map { line in
            line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.reduce(0, +)
        } ?? 0
        return Result(requestsPerSecond: rps, p50: p50, p99: p99, errors: Int(non2xx) + socketErrors)
    }

    private static func number(after label: String, in text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(label) }) else { return nil }
        return Double(line.replacingOccurrences(of: label, with: "").trimmingCharacters(in: .whitespaces))
    }

    /// `    50%  312.00us` → milliseconds.
    private static func latency(_ percentile: String, in text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(percentile) }),
              let value = line.split(separator: " ").last
        else { return nil }
        let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000), ("m", 60_000)]
        for (unit, scale) in units where value.hasSuffix(unit) {
            return Double(value.dropLast(unit.count)).map { $0 * scale }
        }
        return nil
    }
}
