import ArgumentParser
import Connectivity
import Foundation
import ICE
import Identity
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ProcessTuning

/// Throughput and memory of peer sockets on loopback, in one process: one channel and 16
/// channels over one socket (ICE-TCP, TLS with Jami's parameters, the multiplexer) against
/// plain TLS over one TCP connection with the same contexts (so the same cipher); then the
/// resident memory each open socket and each open channel costs. `--json` prints one object.
@main
struct RafikiPeerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rafiki-peer-bench", abstract: "Peer socket throughput (1 and 16 channels vs raw TLS) and memory per socket and channel, on loopback.")

    @Option(help: "MiB sent through one channel (and through raw TLS).") var mib = 1024
    @Option(help: "Channels in the parallel run; each sends --mib / channels.") var channels = 16
    @Option(help: "Socket pairs opened for the memory figure.") var sockets = 32
    @Option(help: "Channels opened on one socket for the memory figure (at most 512, the default limit).") var memoryChannels = 400
    @Option(help: "RSA key size of the two devices (Jami: 4096).") var bits = 4096
    @Flag(help: "One JSON object instead of lines.") var json = false

    func run() async throws {
        // rafikid's malloc settings, so the figures are the daemon's.
        ProcessTuning.apply()
        var log = Logger(label: "bench")
        log.logLevel = .error
        let a = try await AccountFactory.create(bits: bits).device, b = try await AccountFactory.create(bits: bits).device
        let bytes = mib << 20
        var out: [String: Double] = [:]

        let gib = Double(bytes) / Double(1 << 30)
        progress("raw TLS, \(mib) MiB")
        var cpu = processCPUSeconds()
        let raw = try await RawTLS.throughput(a, b, bytes: bytes)
        out["raw_tls_gib_s"] = raw
        out["raw_tls_cpu_s_per_gib"] = (processCPUSeconds() - cpu) / gib
        progress("one channel")
        let pair = try await SocketPair.make(a, b, logger: log)
        cpu = processCPUSeconds()
        out["one_channel_gib_s"] = try await pair.throughput(bytes: bytes, channels: 1)
        out["one_channel_cpu_s_per_gib"] = (processCPUSeconds() - cpu) / gib
        progress("\(channels) channels")
        cpu = processCPUSeconds()
        out["parallel_channels_gib_s"] = try await pair.throughput(bytes: bytes, channels: channels)
        out["parallel_cpu_s_per_gib"] = (processCPUSeconds() - cpu) / gib
        out["one_channel_vs_raw"] = out["one_channel_gib_s"]! / raw
        out["parallel_vs_raw"] = out["parallel_channels_gib_s"]! / raw
        pair.close()

        progress("memory: \(sockets) socket pairs, \(memoryChannels) channels")
        let (perSocket, perChannel) = try await Memory.measure(a, b, sockets: sockets, channels: memoryChannels, logger: log)
        out["kib_per_socket"] = perSocket
        out["kib_per_channel"] = perChannel

        if json {
            let data = try JSONSerialization.data(withJSONObject: out.mapValues { ($0 * 1000).rounded() / 1000 }, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "raw TLS (one TCP connection):   %.2f GiB/s                    %.2f CPU s/GiB (both ends)", raw, out["raw_tls_cpu_s_per_gib"]!))
            print(String(format: "one channel:                    %.2f GiB/s  (%.2f× raw TLS)  %.2f CPU s/GiB", out["one_channel_gib_s"]!, out["one_channel_vs_raw"]!, out["one_channel_cpu_s_per_gib"]!))
            print(String(format: "%2d channels on one socket:     %.2f GiB/s  (%.2f× raw TLS)  %.2f CPU s/GiB", channels, out["parallel_channels_gib_s"]!, out["parallel_vs_raw"]!, out["parallel_cpu_s_per_gib"]!))
            print(String(format: "memory: %.0f KiB per open socket end, %.2f KiB per open channel end", perSocket, perChannel))
        }
    }
}

/// A progress line on stderr (stdout keeps the figures).
func progress(_ line: String) {
    FileHandle.standardError.write(Data("rafiki-peer-bench: \(line)\n".utf8))
}

/// Two different event loops (one per end, as two processes would have their own threads).
func twoLoops() -> (any EventLoop, any EventLoop) {
    let group = MultiThreadedEventLoopGroup.singleton
    let first = group.next()
    var second = group.next()
    for _ in 0..<8 where second === first { second = group.next() }
    return (first, second)
}

/// CPU time this process used so far (all threads), in seconds.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Resident set size of this process, in KiB.
func residentKiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let pages = text.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1024
}
