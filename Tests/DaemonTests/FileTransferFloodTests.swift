@testable import Daemon
import Connectivity
import DaemonClient
import DaemonWire
import Foundation
import Identity
import Synchronization
import Testing

/// A member asking for one file on many channels at once: a few stream at a time, a bounded
/// number wait for their turn, the rest are refused at once, and every turn is given back.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct FileTransferFloodTests {
    /// Bytes each channel of the flood received, and whether it ended.
    final class Tally: Sendable {
        private let state: Mutex<[(bytes: Int, ended: Bool)]>
        init(_ count: Int) { state = Mutex(Array(repeating: (0, false), count: count)) }
        func add(_ i: Int, _ n: Int) { state.withLock { $0[i].bytes += n } }
        func end(_ i: Int) { state.withLock { $0[i].ended = true } }
        var all: [(bytes: Int, ended: Bool)] { state.withLock { $0 } }
        func streaming() -> [Int] { all.indices.filter { all[$0].bytes > 0 && !all[$0].ended } }
        func refused() -> [Int] { all.indices.filter { all[$0].bytes == 0 && all[$0].ended } }
    }

    static func residentMiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    @Test func aFloodOfRequestsIsServedAFewAtATime() async throws {
        let dir = try FileTransferAPITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withTestNetwork { network in
            // 64 MiB at 64 KiB/s: no stream ends by itself while the test runs, whatever the load.
            let (a, b, alice, bob, c) = try await FileTransferAPITests.oneToOne(on: network) {
                $0.autoDownloadLimit = 0
                $0.uploadRateLimit = 64 << 10
            }
            let source = try FileTransferAPITests.randomFile(64 << 20, in: dir)
            let f = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: source.path), as: API.FileTransfer.self)
            try await b.recorder.wait("the offer at Bob's") { $0.type == .messageReceived && $0.message?.id == f.message }

            let aliceRuntime = try await a.daemon.runtime(alice.id), bobRuntime = try await b.daemon.runtime(bob.id)
            let uploads = try await aliceRuntime.transfers().uploads
            let limits = UploadSlots.Limits()
            let socket = try await bobRuntime.connections().connect(aliceRuntime.device.shortID, now: true)
            let name = "data-transfer://\(c)/\(bobRuntime.device.longID.hex)/\(f.id)"

            // Alice's load, sampled all along: never more streams than allowed.
            let peak = Mutex(0)
            let watcher = Task {
                while !Task.isCancelled {
                    let now = await uploads.load.streaming
                    peak.withLock { $0 = max($0, now) }
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
            defer { watcher.cancel() }
            let flood = limits.perAccount + limits.waitingPerAccount + 4
            let tally = Tally(flood)
            let (rss0, cpu0, t0) = (Self.residentMiB(), Self.cpuSeconds(), ContinuousClock.now)
            var channels: [Int: PeerChannel] = [:]
            try await withThrowingTaskGroup(of: (Int, PeerChannel).self) { group in
                for i in 0..<flood {
                    group.addTask {
                        let channel = try await socket.open(name)
                        Task {
                            do { for try await chunk in channel.inbound { tally.add(i, chunk.readableBytes) } } catch {}
                            tally.end(i)
                        }
                        return (i, channel)
                    }
                }
                for try await (i, channel) in group { channels[i] = channel }
            }
            // Four stream, thirty-two wait, four are refused at once.
            try await waitFor("the flood sorted out", timeout: .seconds(120)) {
                let load = await uploads.load
                return load == (limits.perAccount, limits.waitingPerAccount) && tally.streaming().count == limits.perAccount
                    && tally.refused().count == 4 ? true : nil
            }
            // Figures, not assertions: the test process holds both daemons and the flooder.
            print("a flood of \(flood) requests for a 64 MiB file: sorted out in \(ContinuousClock.now - t0), "
                  + "resident memory \(rss0) -> \(Self.residentMiB()) MiB, CPU \(String(format: "%.2f", Self.cpuSeconds() - cpu0)) s (whole test process)")
            // The four streaming close: four waiting ones get their turn.
            let first = tally.streaming()
            for i in first { channels[i]?.close() }
            try await waitFor("the next four streaming", timeout: .seconds(120)) {
                let now = tally.streaming(), load = await uploads.load
                return now.count == limits.perAccount && Set(now).isDisjoint(with: first)
                    && load == (limits.perAccount, limits.waitingPerAccount - limits.perAccount) ? true : nil
            }
            // Every channel closes: every turn is given back.
            for channel in channels.values { channel.close() }
            try await waitFor("every turn given back", timeout: .seconds(120)) { await uploads.load == (0, 0) ? true : nil }
            #expect(peak.withLock { $0 } <= limits.perAccount)
        }
    }
}
