@testable import Daemon
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
    @Test func aFloodOfRequestsIsServedAFewAtATime() async throws {
        let dir = try FileTransferAPITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withTestNetwork { network in
            // 128 KiB at 256 KiB/s: each turn lasts half a second, so the flood overlaps.
            let (a, b, alice, bob, c) = try await FileTransferAPITests.oneToOne(on: network) {
                $0.autoDownloadLimit = 0
                $0.uploadRateLimit = 256 << 10
            }
            let size = 128 << 10
            let source = try FileTransferAPITests.randomFile(size, in: dir)
            let f = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: source.path), as: API.FileTransfer.self)
            try await b.recorder.wait("the offer at Bob's") { $0.type == .messageReceived && $0.message?.id == f.message }

            let aliceRuntime = try await a.daemon.runtime(alice.id), bobRuntime = try await b.daemon.runtime(bob.id)
            let uploads = try await aliceRuntime.transfers().uploads
            let limits = UploadSlots.Limits()
            let socket = try await bobRuntime.connections().connect(aliceRuntime.device.shortID, now: true)
            let name = "data-transfer://\(c)/\(bobRuntime.device.longID.hex)/\(f.id)"

            // Alice's load, sampled while the flood runs: never more streams than allowed.
            let peak = Mutex(0)
            let watcher = Task {
                while !Task.isCancelled {
                    let now = await uploads.load.streaming
                    peak.withLock { $0 = max($0, now) }
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
            let flood = limits.perAccount + limits.waitingPerAccount + 4
            let received = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<flood {
                    group.addTask {
                        var n = 0
                        if let channel = try? await socket.open(name) {
                            for try await chunk in channel.inbound { n += chunk.readableBytes }
                        }
                        return n
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            watcher.cancel()

            #expect(received.count { $0 == size } == limits.perAccount + limits.waitingPerAccount)
            #expect(received.count { $0 == 0 } == 4, "\(received)")
            #expect(peak.withLock { $0 } <= limits.perAccount)
            // Every turn given back: the next request streams at once.
            let load = await uploads.load
            #expect(load.streaming == 0 && load.waiting == 0)
            var again = 0
            for try await chunk in try await socket.open(name).inbound { again += chunk.readableBytes }
            #expect(again == size)
        }
    }
}
