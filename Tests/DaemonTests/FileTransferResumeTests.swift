@testable import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Identity
import NIOCore
import Swarm
import Synchronization
import Testing

/// Downloads interrupted half-way (the connection cut, the sender's daemon stopped, the
/// receiver's daemon restarted) resume from the bytes on disk, and what a hostile source sends
/// is cut off or refused.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct FileTransferResumeTests {
    static let size = 12 << 20

    /// Where the download of `f` starts each time it starts (the `ongoing` events' bytes).
    static func starts(of f: API.FileTransfer, in d: TestDaemon) -> [Int64] {
        d.recorder.all.filter { $0.type == .transferState && $0.fileId == f.id && $0.state == "ongoing" }.compactMap(\.bytes)
    }

    static func waitForBytes(_ f: API.FileTransfer, at d: TestDaemon, atLeast n: Int64) async throws -> Int64 {
        try await d.recorder.wait("\(n) bytes of \(f.name)") { $0.type == .transferProgress && $0.fileId == f.id && ($0.bytes ?? 0) >= n }.bytes ?? 0
    }

    @Test func aDownloadResumesAfterTheConnectionTheSenderOrTheReceiverStops() async throws {
        let dir = try FileTransferAPITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withTestNetwork { network in
            // 4 MiB/s: a 12 MiB file takes 3 s, time enough to stop things half-way.
            let (a, b, alice, bob, c) = try await FileTransferAPITests.oneToOne(on: network) {
                $0.autoDownloadLimit = 0
                $0.uploadRateLimit = 4 << 20
            }
            let aliceDevice = try await a.daemon.runtime(alice.id).device.shortID

            // 1. The connection is cut: the download goes on over a new one.
            let one = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: try FileTransferAPITests.randomFile(Self.size, in: dir).path),
                                              as: API.FileTransfer.self)
            try await b.recorder.wait("offer 1") { $0.type == .messageReceived && $0.message?.id == one.message }
            _ = try await b.client.call(.downloadFile, account: bob.id, conversation: c, message: one.message)
            let cut = try await Self.waitForBytes(one, at: b, atLeast: 2 << 20)
            try await b.daemon.runtime(bob.id).connections().disconnect(aliceDevice)
            try await b.recorder.wait("1 complete", timeout: .seconds(90)) { $0.type == .transferState && $0.fileId == one.id && $0.state == "complete" }
            let starts1 = Self.starts(of: one, in: b)
            #expect(starts1.count >= 2 && starts1[0] == 0 && starts1.dropFirst().allSatisfy { $0 >= cut }, "\(starts1)")

            // 2. The sender's daemon stops, then comes back.
            let twoSource = try FileTransferAPITests.randomFile(Self.size, in: dir)
            let two = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: twoSource.path), as: API.FileTransfer.self)
            try await b.recorder.wait("offer 2") { $0.type == .messageReceived && $0.message?.id == two.message }
            _ = try await b.client.call(.downloadFile, account: bob.id, conversation: c, message: two.message)
            let before = try await Self.waitForBytes(two, at: b, atLeast: 2 << 20)
            await a.stop()
            try await b.recorder.wait("2 waits for its source") { $0.type == .transferState && $0.fileId == two.id && $0.state == "waiting" && $0.detail != nil }
            try await a.start()
            try await b.recorder.wait("2 complete", timeout: .seconds(120)) { $0.type == .transferState && $0.fileId == two.id && $0.state == "complete" }
            let starts2 = Self.starts(of: two, in: b)
            #expect(starts2.count >= 2 && starts2.last! >= before, "\(starts2)")
            let got2 = try await b.client.call(.file, account: bob.id, conversation: c, message: two.message, as: API.FileTransfer.self)
            #expect(try Data(contentsOf: URL(fileURLWithPath: try #require(got2.path))) == Data(contentsOf: twoSource))

            // 3. The receiver's daemon restarts: it resumes by itself.
            let threeSource = try FileTransferAPITests.randomFile(Self.size, in: dir)
            let three = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: threeSource.path), as: API.FileTransfer.self)
            try await b.recorder.wait("offer 3") { $0.type == .messageReceived && $0.message?.id == three.message }
            _ = try await b.client.call(.downloadFile, account: bob.id, conversation: c, message: three.message)
            let arrived = try await Self.waitForBytes(three, at: b, atLeast: 2 << 20)
            await b.stop()
            try await b.start()
            try await b.recorder.wait("3 complete after the restart", timeout: .seconds(120)) {
                $0.type == .transferState && $0.fileId == three.id && $0.state == "complete"
            }
            let starts3 = Self.starts(of: three, in: b)
            #expect(starts3.count == 1 && starts3[0] >= arrived, "\(starts3)")
            let got3 = try await b.client.call(.file, account: bob.id, conversation: c, message: three.message, as: API.FileTransfer.self)
            #expect(try Data(contentsOf: URL(fileURLWithPath: try #require(got3.path))) == Data(contentsOf: threeSource))
        }
    }

    /// The sender's side replaced by what a hostile member could do: the file changed after it
    /// was offered, more bytes than offered, other bytes, bytes then silence; and requests a
    /// member's device may not make.
    @Test func hostileSourcesAreCutOffOrRefused() async throws {
        let dir = try FileTransferAPITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withTestNetwork { network in
            let (a, b, alice, bob, c) = try await FileTransferAPITests.oneToOne(on: network) {
                $0.autoDownloadLimit = 0
                $0.transferIdleTimeout = 2
            }
            let conversation = try #require(ObjectID(hex: c))
            let aliceRuntime = try await a.daemon.runtime(alice.id)
            func offer(_ size: Int) async throws -> (API.FileTransfer, Data, URL) {
                let source = try FileTransferAPITests.randomFile(size, in: dir)
                let f = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: source.path), as: API.FileTransfer.self)
                try await b.recorder.wait("offer \(f.id)") { $0.type == .messageReceived && $0.message?.id == f.message }
                let stored = try await aliceRuntime.transfers().completePath(.init(conversation: conversation, commit: ObjectID(hex: f.message)!))
                return (f, try Data(contentsOf: source), stored)
            }
            func end(of f: API.FileTransfer) async throws -> DaemonEvent {
                _ = try await b.client.call(.downloadFile, account: bob.id, conversation: c, message: f.message)
                return try await b.recorder.wait("the end of \(f.id)") {
                    $0.type == .transferState && $0.fileId == f.id && ["complete", "failed"].contains($0.state ?? "")
                }
            }

            // The stored copy changed after the offer: the checksum refuses it, nothing is kept.
            let (changed, _, changedPath) = try await offer(300_000)
            try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0) }).write(to: changedPath)
            let e1 = try await end(of: changed)
            #expect(e1.state == "failed" && (e1.detail ?? "").contains("SHA3-512"))
            let v1 = try await b.client.call(.file, account: bob.id, conversation: c, message: changed.message, as: API.FileTransfer.self)
            #expect(v1.state == .failed && v1.bytes == 0 && v1.path == nil)

            // The stored copy replaced by a link to another file: not followed, nothing served.
            let (linked, _, linkedPath) = try await offer(1000)
            let secret = dir.appendingPathComponent("secret")
            try Data(repeating: 0x53, count: 1000).write(to: secret)
            try FileManager.default.removeItem(at: linkedPath)
            try FileManager.default.createSymbolicLink(at: linkedPath, withDestinationURL: secret)
            _ = try await b.client.call(.downloadFile, account: bob.id, conversation: c, message: linked.message)
            try await b.recorder.wait("the linked file not served") { $0.type == .transferState && $0.fileId == linked.id && $0.state == "waiting" && $0.detail != nil }
            let v0 = try await b.client.call(.file, account: bob.id, conversation: c, message: linked.message, as: API.FileTransfer.self)
            #expect(v0.bytes == 0 && v0.state == .waiting)
            _ = try await b.client.call(.cancelFile, account: bob.id, conversation: c, message: linked.message)

            // From here Alice's device serves this conversation's files with a hostile handler.
            let mode = Mode()
            try await aliceRuntime.connections().register(prefix: "data-transfer://\(c)/") { channel, _ in
                let (bytes, extra) = mode.current
                do {
                    try await channel.write(ByteBuffer(bytes: bytes))
                    if extra < 0 {  // then nothing, until the receiver gives up
                        for try await _ in channel.inbound {}
                    } else {
                        try await channel.write(ByteBuffer(bytes: [UInt8](repeating: 0xEE, count: extra)))
                    }
                } catch {}
                channel.close()
            }

            // More bytes than offered: cut off at the size; those bytes are the file.
            let (more, moreBytes, _) = try await offer(100_000)
            mode.set(Array(moreBytes), extra: 50_000)
            #expect(try await end(of: more).state == "complete")
            let v2 = try await b.client.call(.file, account: bob.id, conversation: c, message: more.message, as: API.FileTransfer.self)
            #expect(try Data(contentsOf: URL(fileURLWithPath: try #require(v2.path))) == moreBytes)

            // Other bytes of the right length: refused by the checksum.
            let (garbage, _, _) = try await offer(100_000)
            mode.set([UInt8](repeating: 1, count: 100_000), extra: 0)
            #expect(try await end(of: garbage).state == "failed")

            // Half, then silence: dropped after the idle timeout, the half kept for later.
            let (silent, silentBytes, _) = try await offer(100_000)
            mode.set(Array(silentBytes.prefix(50_000)), extra: -1)
            _ = try await b.client.call(.downloadFile, account: bob.id, conversation: c, message: silent.message)
            try await b.recorder.wait("the silent source given up") { $0.type == .transferState && $0.fileId == silent.id && $0.state == "waiting" && $0.detail != nil }
            let v4 = try await b.client.call(.file, account: bob.id, conversation: c, message: silent.message, as: API.FileTransfer.self)
            #expect(v4.bytes == 50_000 && v4.state == .waiting)
            _ = try await b.client.call(.cancelFile, account: bob.id, conversation: c, message: silent.message)
            let v5 = try await b.client.call(.file, account: bob.id, conversation: c, message: silent.message, as: API.FileTransfer.self)
            #expect(v5.state == .cancelled && v5.bytes == 0)

            // Requests Alice's real handler refuses (on a conversation it still serves): a device
            // id in the name that is not the requester's, and a file id with a path in it.
            let bobRuntime = try await b.daemon.runtime(bob.id)
            let socket = try await bobRuntime.connections().connect(aliceRuntime.device.shortID, now: true)
            let other = try await a.client.call(.createConversation, account: alice.id, body: API.NewConversation(members: [bob.id]), as: API.Conversation.self)
            for name in ["data-transfer://\(other.id)/\(String(repeating: "0", count: 64))/\(changed.id)",
                         "data-transfer://\(other.id)/\(bobRuntime.device.longID.hex)/../../\(changed.id)"] {
                var received = 0
                if let channel = try? await socket.open(name) {
                    for try await chunk in channel.inbound { received += chunk.readableBytes }
                }
                #expect(received == 0, "\(name)")
            }
        }
    }

    /// What the hostile handler sends: these bytes, then `extra` more (or, when negative, silence).
    final class Mode: Sendable {
        private let state = Mutex(([UInt8](), 0))
        var current: ([UInt8], Int) { state.withLock { $0 } }
        func set(_ bytes: [UInt8], extra: Int) { state.withLock { $0 = (bytes, extra) } }
    }
}
