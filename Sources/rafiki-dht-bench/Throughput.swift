@preconcurrency import Glibc
import DHT
import Foundation
import NIOCore
import NIOPosix

/// Replies per second one node sustains for each query kind, and memory per stored value.
enum Throughput {
    static let kinds = ["ping", "find", "get", "put"]

    /// One target under load: a token from it, and a local port kept for every phase, since
    /// tokens are bound to our address and port.
    struct Session {
        let target: SocketAddress
        let pid: Int32
        let port = Int.random(in: 20_000...60_000)
        let enc: MessageEncoder
        let key = InfoHash.hashing(key: "bench-get")
        var token: [UInt8] = []

        init(port targetPort: Int, pid: Int32) throws {
            target = try SocketAddress(ipAddress: "127.0.0.1", port: targetPort)
            self.pid = pid
            var rng = SystemRandomNumberGenerator()
            enc = MessageEncoder(nodeId: InfoHash.random(using: &rng), network: 0)
        }

        /// Fetches a token and stores one value for the get phase.
        mutating func prepare() async throws {
            let (enc, key) = (enc, key)
            token = try await oneShot(target: target, port: port) { tid in enc.get(tid: tid, key: key, query: Query(), want: nil) }?.token ?? []
            let token = token
            _ = try await oneShot(target: target, port: port) { tid in
                enc.put(tid: tid, key: key, packedValues: [Value(id: 1, data: Array(repeating: 7, count: 32)).packed()], created: nil, token: token)[0]
            }
        }

        /// Replies per second and per CPU-second of the target for one query kind.
        func measure(_ kind: String, seconds: Double) async throws -> (perSecond: Double, perCPUSecond: Double) {
            let (enc, key, token) = (enc, key, token)
            let query: @Sendable (UInt32) -> [UInt8]
            switch kind {
            case "ping": query = { enc.ping(tid: $0) }
            case "find": query = { enc.find(tid: $0, target: InfoHash(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: $0), count: 20))!, want: nil) }  // safe: 20 bytes
            case "get": query = { enc.get(tid: $0, key: key, query: Query(), want: nil) }
            default:
                let packed = Value(id: 1, data: Array(repeating: 7, count: 32)).packed()
                query = { enc.put(tid: $0, key: key, packedValues: [packed], created: nil, token: token)[0] }
            }
            let cpuBefore = Process.cpuSeconds(pid: pid)
            let rate = try await run(target: target, port: port, seconds: seconds, query: query)
            let cpu = Process.cpuSeconds(pid: pid) - cpuBefore
            return (rate, cpu > 0 ? rate * seconds / cpu : 0)
        }

        /// Memory per stored value: RSS growth while storing `count` distinct small values.
        func bytesPerValue(count: Int) async throws -> Double {
            let (enc, token) = (enc, token)
            let before = Process.residentBytes(pid: pid)
            var stored = 0
            let batch = 2_000
            while stored < count {
                let start = stored
                _ = try await run(target: target, port: port, seconds: 0.2, count: batch) { tid in
                    let i = start + Int(tid % UInt32(batch))
                    return enc.put(tid: tid, key: .hashing(key: "mem-\(i)"), packedValues: [Value(id: UInt64(i + 1), data: Array(repeating: 9, count: 32)).packed()], created: nil, token: token)[0]
                }
                stored += batch
            }
            try await Task.sleep(for: .milliseconds(500))
            return Double(Process.residentBytes(pid: pid) - before) / Double(count)
        }
    }

    /// Puts of distinct new values per second while the target's storage is below its quota
    /// (OpenDHT's default, 64 MiB), and again once a flood has filled it past the quota, where
    /// every put evicts (issue #13: eviction used to scan every stored value). Values must stay
    /// small enough to travel inline (one datagram per put, OpenDHT's 600-byte threshold).
    static func quotaFlood(_ session: Session, quotaBytes: Int, valueBytes: Int, seconds: Double) async throws -> (below: Double, atQuota: Double) {
        let (enc, token) = (session.enc, session.token)
        let data = [UInt8](repeating: 5, count: valueBytes)
        final class Counter: @unchecked Sendable {
            // @unchecked: used only on the load generator's event loop, one phase at a time.
            var base: UInt64 = 0
        }
        let counter = Counter()
        let query: (UInt32) -> [UInt8] = { tid in
            counter.base += 1
            let i = counter.base
            return enc.put(tid: tid, key: .hashing(key: "flood-\(i)"), packedValues: [Value(id: i, data: data).packed()], created: nil, token: token)[0]
        }
        let below = try await run(target: session.target, port: session.port, seconds: seconds, query: query)
        while Int(counter.base) * valueBytes < quotaBytes * 3 / 2 {
            _ = try await run(target: session.target, port: session.port, seconds: 1, query: query)
        }
        let atQuota = try await run(target: session.target, port: session.port, seconds: seconds, query: query)
        return (below, atQuota)
    }

    /// Sends queries for `seconds` (or exactly `count` of them) and returns replies per second.
    static func run(target: SocketAddress, port: Int, seconds: Double, count: Int? = nil, query: @escaping (UInt32) -> [UInt8]) async throws -> Double {
        let gen = LoadGenerator(target: target, window: count ?? 256)
        gen.makeQuery = query
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
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
    static func oneShot(target: SocketAddress, port: Int, _ query: @escaping (UInt32) -> [UInt8]) async throws -> WireMessage? {
        let gen = LoadGenerator(target: target, window: 1)
        nonisolated(unsafe) var reply: WireMessage?
        gen.onReply = { reply = $0 }
        gen.makeQuery = query
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
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
    static func residentBytes(pid: Int32) -> Int { statusField("VmRSS:", pid: pid) }

    /// RssAnon of a process: resident memory of its own, without shared library pages.
    static func privateResidentBytes(pid: Int32) -> Int { statusField("RssAnon:", pid: pid) }

    /// A `kB` field of `/proc/PID/status`, in bytes.
    private static func statusField(_ name: String, pid: Int32) -> Int {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb * 1024
    }
}
