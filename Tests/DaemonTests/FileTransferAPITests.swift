@testable import Daemon
import DaemonClient
import DaemonWire
import FileTransfer
import Foundation
import Testing

/// Files between two rafikid in a 1:1, through the local API as the CLI uses it: sizes at the
/// edges, byte-for-byte; automatic downloads; resume after either side stops; hostile sources.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct FileTransferAPITests {
    /// Alice and Bob, contacts, with their 1:1 joined on both sides.
    static func oneToOne(on network: TestNetwork, configure: @escaping @Sendable (inout DaemonConfiguration) -> Void = { _ in })
        async throws -> (a: TestDaemon, b: TestDaemon, alice: API.Account, bob: API.Account, conversation: String) {
        let a = TestDaemon(network: network), b = TestDaemon(network: network)
        a.configure = configure
        b.configure = configure
        try await a.start()
        try await b.start()
        let alice = try await a.createAccount("Alice"), bob = try await b.createAccount("Bob")
        // Two minutes: beside the DHT flood tests of the full suite, joining can take a while.
        try await b.recorder.wait("Bob registered", timeout: .seconds(120)) { $0.type == .registration && $0.state == "registered" }
        try await a.recorder.wait("Alice registered", timeout: .seconds(120)) { $0.type == .registration && $0.state == "registered" }
        _ = try await a.client.call(.addContact, account: alice.id, body: API.AddContact(peer: bob.id))
        let c = try #require(try await a.client.call(.conversations, account: alice.id, as: API.ConversationList.self).conversations.first).id
        try await b.recorder.wait("Alice's request", timeout: .seconds(120)) { $0.type == .requestReceived && $0.peer == alice.id }
        _ = try await b.client.call(.acceptRequest, account: bob.id, peer: alice.id)
        try await b.recorder.wait("the 1:1 cloned", timeout: .seconds(120)) { $0.type == .conversationChanged && $0.conversationId == c && $0.state == "cloned" }
        try await a.recorder.wait("Bob joined", timeout: .seconds(120)) { $0.type == .memberChanged && $0.peer == bob.id && $0.state == "join" }
        return (a, b, alice, bob, c)
    }

    static func randomFile(_ size: Int, in dir: URL) throws -> URL {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: size)
        for i in stride(from: 0, to: size, by: 8) {
            let r = rng.next()
            for j in 0..<min(8, size - i) { bytes[i + j] = UInt8(truncatingIfNeeded: r >> (j * 8)) }
        }
        let url = dir.appendingPathComponent("file-\(size)-\(UInt32.random(in: 0...UInt32.max)).bin")
        try Data(bytes).write(to: url)
        return url
    }

    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Waits for the offer to be indexed at the receiver, then for its download to end.
    static func download(_ f: API.FileTransfer, at d: TestDaemon, account: API.Account, timeout: Duration = .seconds(60)) async throws -> API.FileTransfer {
        try await d.recorder.wait("the offer of \(f.name) arrives") { $0.type == .messageReceived && $0.message?.id == f.message }
        _ = try await d.client.call(.downloadFile, account: account.id, conversation: f.conversation, message: f.message, as: API.FileTransfer.self)
        let end = try await d.recorder.wait("\(f.name) downloaded", timeout: timeout) {
            $0.type == .transferState && $0.fileId == f.id && ["complete", "failed", "cancelled"].contains($0.state ?? "")
        }
        #expect(end.state == "complete", "\(end.detail ?? "")")
        return try await d.client.call(.file, account: account.id, conversation: f.conversation, message: f.message, as: API.FileTransfer.self)
    }

    @Test func filesAtTheEdgesOfFramesArriveByteForByteBothWays() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withTestNetwork { network in
            let (a, b, alice, bob, c) = try await Self.oneToOne(on: network) { $0.autoDownloadLimit = 0 }
            for size in [0, 1, 65535, 65536, 65537, 3 << 20] {
                let source = try Self.randomFile(size, in: dir)
                let sent = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: source.path, name: "edge \(size).bin"),
                                                   as: API.FileTransfer.self)
                #expect(sent.state == .complete && sent.size == Int64(size) && sent.id.hasSuffix(".bin") && sent.author == alice.id)
                let got = try await Self.download(sent, at: b, account: bob)
                #expect(got.state == .complete && got.bytes == Int64(size) && got.sha3 == sent.sha3)
                #expect(try Data(contentsOf: URL(fileURLWithPath: try #require(got.path))) == Data(contentsOf: source), "size \(size)")
            }
            let listed = try await b.client.call(.files, account: bob.id, conversation: c, as: API.FileList.self).files
            #expect(listed.count == 6 && listed.allSatisfy { $0.state == .complete })
            // Bob to Alice, below her automatic limit.
            let back = try Self.randomFile(100_000, in: dir)
            let sent = try await b.client.call(.sendFile, account: bob.id, conversation: c, body: API.SendFile(path: back.path), as: API.FileTransfer.self)
            let got = try await Self.download(sent, at: a, account: alice)
            #expect(try Data(contentsOf: URL(fileURLWithPath: try #require(got.path))) == Data(contentsOf: back))
            // A path that is not a readable file, a relative one, a message that is no file.
            await #expect(throws: DaemonClientError.self) {
                _ = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: dir.appendingPathComponent("missing").path))
            }
            await #expect(throws: DaemonClientError.self) {
                _ = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: "relative.bin"))
            }
            let text = try await a.client.call(.sendMessage, account: alice.id, conversation: c, body: API.SendMessage(body: "no file"), as: API.Message.self)
            await #expect(throws: DaemonClientError.self) {
                _ = try await a.client.call(.downloadFile, account: alice.id, conversation: c, message: text.id)
            }
        }
    }

    /// 256 MiB, compared byte for byte (in 16 MiB pieces, so the test's memory stays small).
    @Test func aQuarterGigabyteArrivesWhole() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("big.bin")
        #expect(FileManager.default.createFile(atPath: source.path, contents: nil))
        let out = try FileHandle(forWritingTo: source), random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
        for _ in 0..<16 { try out.write(contentsOf: random.readData(ofLength: 16 << 20)) }
        try out.close()
        try await withTestNetwork { network in
            let (a, b, alice, bob, c) = try await Self.oneToOne(on: network) { $0.autoDownloadLimit = 0 }
            let started = ContinuousClock.now
            let sent = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: source.path), as: API.FileTransfer.self)
            let staged = ContinuousClock.now
            let got = try await Self.download(sent, at: b, account: bob, timeout: .seconds(240))
            print("256 MiB: offered (copied and hashed) in \(staged - started), downloaded and checked in \(ContinuousClock.now - staged) (debug build)")
            let x = try FileHandle(forReadingFrom: source), y = try FileHandle(forReadingFrom: URL(fileURLWithPath: try #require(got.path)))
            var same = true
            while let p = try x.read(upToCount: 16 << 20), !p.isEmpty {
                let q = try y.read(upToCount: 16 << 20)
                if p != q { same = false }
            }
            let rest = try y.read(upToCount: 1)
            #expect(same && rest?.isEmpty != false)
        }
    }

    /// With the sender gone, a member that downloaded the file serves it to the next.
    @Test func anotherMemberServesAFileWhenTheSenderIsGone() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            let c = TestDaemon(network: network)
            c.configure = { $0.autoDownloadLimit = 0 }
            try await c.start()
            let carol = try await c.createAccount("Carol")
            try await c.recorder.wait("Carol registered") { $0.type == .registration && $0.state == "registered" }
            let group = try await a.client.call(.createConversation, account: alice.id, body: API.NewConversation(members: [bob.id, carol.id]),
                                                as: API.Conversation.self)
            for (d, who) in [(b, bob), (c, carol)] {
                try await d.recorder.wait("invited") { $0.type == .conversationRequest && $0.conversationId == group.id }
                _ = try await d.client.call(.acceptConversation, account: who.id, conversation: group.id, as: API.Conversation.self)
                try await a.recorder.wait("joined") { $0.type == .memberChanged && $0.peer == who.id && $0.state == "join" }
            }
            let source = try Self.randomFile(2 << 20, in: dir)
            let sent = try await a.client.call(.sendFile, account: alice.id, conversation: group.id, body: API.SendFile(path: source.path), as: API.FileTransfer.self)
            _ = try await Self.download(sent, at: b, account: bob)  // below Bob's automatic limit anyway
            await a.stop()
            let got = try await Self.download(sent, at: c, account: carol)
            let bobDevice = try await b.daemon.runtime(bob.id).device.shortID.hex
            let from = c.recorder.all.last { $0.type == .transferState && $0.fileId == sent.id && $0.state == "ongoing" }?.detail
            #expect(from == "from \(bobDevice)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: try #require(got.path))) == Data(contentsOf: source))
        }
    }

    @Test func smallFilesAreDownloadedAutomatically() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withTestNetwork { network in
            let (a, b, alice, _, c) = try await Self.oneToOne(on: network) { $0.autoDownloadLimit = 1 << 20 }
            let small = try Self.randomFile(1 << 20, in: dir), large = try Self.randomFile((1 << 20) + 1, in: dir)
            let s = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: small.path), as: API.FileTransfer.self)
            let l = try await a.client.call(.sendFile, account: alice.id, conversation: c, body: API.SendFile(path: large.path), as: API.FileTransfer.self)
            try await b.recorder.wait("the small one downloaded by itself") { $0.type == .transferState && $0.fileId == s.id && $0.state == "complete" }
            try await b.recorder.wait("the large offer arrives") { $0.type == .messageReceived && $0.message?.id == l.message }
            #expect(!b.recorder.all.contains { $0.type == .transferState && $0.fileId == l.id })
        }
    }
}
