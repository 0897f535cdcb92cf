@preconcurrency import Glibc
import DHT
import Foundation
import NIOCore
import NIOPosix

/// Replies per second one node sustains for each query kind, and memory per stored value.
enum Throughput {
    struct Result {
        var repliesPerSecond: [String: Double] = [:]
        var repliesPerCPUSecond: [String: Double] = [:]
        /// The target's CPU time over wall time during each phase (1.0 = its core saturated).
        var targetCPUShare: [String: Double] = [:]
        var bytesPerValue: Double = 0
    }

    static let kinds = ["ping", "find", "get", "put"]

    static func measure(port: Int, pid: Int32, seconds: Double, storedValues: Int) async throws -> Result {
        let group = MultiThreadedEventLoopGroup.singleton
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        var rng = SystemRandomNumberGenerator()
        let me = InfoHash.random(using: &rng)
        let enc = MessageEncoder(nodeId: me, network: 0)
        let key = InfoHash.hashing(key: "bench-get")
        var result = Result()

        fputs("[bench]   token\n", stderr)
        // A token first, and one value to get. Tokens are bound to our address and port, so every
        // phase sends from the same local port.
        let port = Int.random(in: 20_000...60_000)
        let token = try await oneShot(group: group, target: target, port: port) { tid in enc.get(tid: tid, key: key, query: Query(), want: nil) }?.token ?? []
        _ = try await oneShot(group: group, target: target, port: port) { tid in
            enc.put(tid: tid, key: key, packedValues: [Value(id: 1, data: Array(repeating: 7, count: 32)).packed()], created: nil, token: token)[0]
        }

        for kind in kinds {
            let query: (UInt32) -> [UInt8]
            switch kind {
            case "ping": query = { enc.ping(tid: $0) }
            case "find": query = { enc.find(tid: $0, target: InfoHash(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: $0), count: 20))!, want: nil) }  // safe: 20 bytes
            case "get": query = { enc.get(tid: $0, key: key, query: Query(), want: nil) }
            default:
                let packed = Value(id: 1, data: Array(repeating: 7, count: 32)).packed()
                query = { enc.put(tid: $0, key: key, packedValues: [packed], created: nil, token: token)[0] }
            }
            fputs("[bench]   \(kind)\n", stderr)
            let cpuBefore = Process.cpuSeconds(pid: pid)
            let rate = try await run(group: group, target: target, port: port, seconds: seconds, query: query)
            result.repliesPerSecond[kind] = rate
            // Replies per CPU-second of the target: its cost per reply, even if the generator cannot saturate it.
            let cpu = Process.cpuSeconds(pid: pid) - cpuBefore
            result.repliesPerCPUSecond[kind] = cpu > 0 ? rate * seconds / cpu : 0
            result.targetCPUShare[kind] = cpu / seconds
        }

        fputs("[bench]   storing \(storedValues) values\n", stderr)
        // Memory per stored value: RSS growth while storing distinct small values.
        let before = Process.residentBytes(pid: pid)
        var stored = 0
        let batch = 2_000
        while stored < storedValues {
            let start = stored
            _ = try await run(group: group, target: target, port: port, seconds: 0.2, count: batch) { tid in
                let i = start + Int(tid % UInt32(batch))
                return enc.put(tid: tid, key: .hashing(key: "mem-\(i)"), packedValues: [Value(id: UInt64(i + 1), data: Array(repeating: 9, count: 32)).packed()], created: nil, token: token)[0]
            }
            stored += batch
        }
        try await Task.sleep(for: .milliseconds(500))
        result.bytesPerValue = Double(Process.residentBytes(pid: pid) - before) / Double(storedValues)
        return result
    }

    /// Sends queries for `seconds` (or exactly `count` of them) and returns replies per second.
    static func run(group: any EventLoopGroup, target: SocketAddress, port: Int, seconds: Double, count: Int? = nil, query: @escaping (UInt32) -> [UInt8]) async throws -> Double {
        let gen = LoadGenerator(target: target, window: count ?? 256)
        gen.makeQuery = query
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_rcvbuf), value: 8 << 20)
            .channelOption(.datagramVectorReadMessageCount, value: 64)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(gen) } }
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port).get()
        try await channel.eventLoop.submit { gen.start() }.get()
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        let replies = try await channel.eventLoop.submit { gen.stop(); return gen.replies }.get()
        try await channel.close().get()
        return Double(replies) / seconds
    }

    /// Sends one query and returns its reply.
    static func oneShot(group: any EventLoopGroup, target: SocketAddress, port: Int, _ query: @escaping (UInt32) -> [UInt8]) async throws -> WireMessage? {
        let gen = LoadGenerator(target: target, window: 1)
        nonisolated(unsafe) var reply: WireMessage?
        gen.onReply = { reply = $0 }
        gen.makeQuery = query
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(gen) } }
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port).get()
        try await channel.eventLoop.submit { gen.send(1); channel.flush() }.get()
        for _ in 0..<50 where try await channel.eventLoop.submit({ reply == nil }).get() {
            try await Task.sleep(for: .milliseconds(20))
        }
        let r = try await channel.eventLoop.submit { gen.stop(); return reply }.get()
        try await channel.close().get()
        return r
    }
}

extension Process {
    /// User plus system CPU time of a process, in seconds.
    static func cpuSeconds(pid: Int32) -> Double {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = s.lastIndex(of: ")") else { return 0 }
        // Fields after the command name: state is field 3, utime 14, stime 15.
        let fields = s[s.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Double(fields[11]), let k = Double(fields[12]) else { return 0 }
        return (u + k) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmRSS of a process, in bytes.
    static func residentBytes(pid: Int32) -> Int {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb * 1024
    }
}
