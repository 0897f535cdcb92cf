import Foundation
import Identity
@testable import Swarm
import TestSupport
import Testing

/// Histories moving between devices through our upload-pack server and client (the bytes a
/// `git://` channel would carry, each chunk one channel frame), and our client against git's
/// own server (`git daemon`).
@Suite struct SyncTests {
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// One upload-pack session between `server`'s repository and a client that has `haves`.
    static func session(with server: ConversationRepository, haves: [ObjectID], host: String) throws -> (tip: ObjectID, pack: [UInt8]) {
        var s = UploadPackServer(conversation: server.id)
        return try session(&s, with: server, haves: haves, host: host)
    }

    /// The same on a server that may have served sessions before (a `git://` channel is reused).
    static func session(_ s: inout UploadPackServer, with server: ConversationRepository, haves: [ObjectID], host: String) throws -> (tip: ObjectID, pack: [UInt8]) {
        var c = UploadPackClient(conversation: server.id, host: host, haves: haves)
        var toServer = c.request
        for _ in 0..<10 {
            let chunks = try s.receive(toServer, from: server.git)
            toServer = []
            for chunk in chunks {
                #expect(chunk.count <= 65_535)
                for step in try c.receive(chunk) {
                    switch step {
                    case .send(let bytes): toServer += bytes
                    case .finished(let tip, let pack):
                        if !toServer.isEmpty { _ = try s.receive(toServer, from: server.git) }
                        return (tip, pack)
                    }
                }
            }
        }
        throw SwarmError.refused("the session did not finish")
    }

    @Test func devicesCloneFetchAndMergeUntilTheyAgree() async throws {
        let p = try await SwarmFixtures.shared.people()
        let (alice, bob) = (p[0], p[1])
        let atAlice = try ConversationRepository.create(in: try SwarmFixtures.folder(), mode: .invitesOnly, by: alice, at: Self.now)
        try atAlice.invite(bob.account, by: alice, at: Self.now)
        for i in 0..<5 { try atAlice.commit(.text("message \(i)"), by: alice, at: Self.now) }

        // Bob clones, joins and writes.
        let first = try Self.session(with: atAlice, haves: [], host: alice.deviceID)
        let atBob = try ConversationRepository.clone(atAlice.id, tip: first.tip, pack: first.pack, into: try SwarmFixtures.folder())
        #expect(try atBob.head == atAlice.head)
        try atBob.join(by: bob, at: Self.now)
        try atBob.commit(.text("hello from Bob"), by: bob, at: Self.now)

        // Alice fetches: a fast-forward.
        let second = try Self.session(with: atBob, haves: [try atAlice.head], host: bob.deviceID)
        let ff = try atAlice.integrate(tip: second.tip, pack: second.pack, from: bob.deviceID, by: alice, at: Self.now)
        let bobHead = try atBob.head
        #expect(ff.new.count == 2 && !ff.merged && ff.head == bobHead)
        #expect(atAlice.git.reference(ConversationLayout.remoteBranch(bob.deviceID)) == second.tip)

        // Both write at once: Alice merges, Bob fast-forwards to her merge.
        try atAlice.commit(.text("A"), by: alice, at: Self.now)
        try atBob.commit(.text("B"), by: bob, at: Self.now)
        let third = try Self.session(with: atBob, haves: [try atAlice.head], host: bob.deviceID)
        let merge = try atAlice.integrate(tip: third.tip, pack: third.pack, from: bob.deviceID, by: alice, at: Self.now)
        #expect(merge.merged && merge.new.count == 1)
        let fourth = try Self.session(with: atAlice, haves: [try atBob.head], host: alice.deviceID)
        let back = try atBob.integrate(tip: fourth.tip, pack: fourth.pack, from: alice.deviceID, by: bob, at: Self.now)
        let aliceHead = try atAlice.head
        #expect(!back.merged && back.head == aliceHead)
        #expect(try Set(atAlice.history().map(\.id)) == Set(atBob.history().map(\.id)))
        // Up to date: nothing to fetch, no pack; the same server then serves the next session.
        var reused = UploadPackServer(conversation: atAlice.id)
        let fifth = try Self.session(&reused, with: atAlice, haves: [try atBob.head], host: alice.deviceID)
        #expect(fifth.pack.isEmpty && fifth.tip == aliceHead)
        try atAlice.commit(.text("after"), by: alice, at: Self.now)
        let sixth = try Self.session(&reused, with: atAlice, haves: [try atBob.head], host: alice.deviceID)
        #expect(try atBob.integrate(tip: sixth.tip, pack: sixth.pack, from: alice.deviceID, by: bob, at: Self.now).new.count == 1)
        #expect(reused.served == [sixth.tip])
        #expect(try await SwarmFixtures.git(atBob, "fsck", "--strict").isEmpty)
    }

    @Test func aBadFetchLeavesNothingBehind() async throws {
        let p = try await SwarmFixtures.shared.people()
        let (alice, bob, carol) = (p[0], p[1], p[2])
        let atAlice = try ConversationRepository.create(in: try SwarmFixtures.folder(), mode: .invitesOnly, by: alice, at: Self.now)
        try atAlice.invite(bob.account, by: alice, at: Self.now)
        let first = try Self.session(with: atAlice, haves: [], host: alice.deviceID)
        let atBob = try ConversationRepository.clone(atAlice.id, tip: first.tip, pack: first.pack, into: try SwarmFixtures.folder())
        try atBob.join(by: bob, at: Self.now)
        try atBob.commit(.text("fine"), by: bob, at: Self.now)
        // Bob's next commit claims to be Carol's device (never a member).
        let head = try atBob.head
        let tree = try atBob.git.tree(from: try atBob.git.commit(head).tree, applying: [.write(path: ConversationLayout.device(carol.deviceID), bytes: carol.devicePEM)])
        let bad = try atBob.git.createSignedCommit(tree: tree, parents: [head], name: "Carol", email: carol.deviceID, time: Self.now,
                                                  message: CommitMessage.text("sneaky").json, sign: carol.sign)
        try atBob.git.setReference(ConversationLayout.branch, to: bad, expecting: head)

        let before = try atAlice.head
        let fetched = try Self.session(with: atBob, haves: [before], host: bob.deviceID)
        #expect { _ = try atAlice.integrate(tip: fetched.tip, pack: fetched.pack, from: bob.deviceID, by: alice, at: Self.now) }
            throws: { "\($0)".contains("not a member") }
        #expect(try atAlice.head == before)
        #expect(!atAlice.git.contains(bad) && !atAlice.git.contains(head))
        #expect(atAlice.git.reference(ConversationLayout.remoteBranch(bob.deviceID)) == nil)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: atAlice.git.path).deletingLastPathComponent().path)
        #expect(leftovers == [atAlice.id.hex])
        // Not a pack at all.
        #expect { _ = try atAlice.integrate(tip: fetched.tip, pack: Array("PACK but not really".utf8), from: bob.deviceID, by: alice, at: Self.now) }
            throws: { _ in true }
        #expect(try atAlice.head == before)
    }

    /// A fetch bigger than the client's limit is cut off while it arrives, and nothing of it is kept.
    @Test func anOversizedFetchIsRefusedAsItArrives() async throws {
        let p = try await SwarmFixtures.shared.people()
        let (alice, bob) = (p[0], p[1])
        let atAlice = try ConversationRepository.create(in: try SwarmFixtures.folder(), mode: .invitesOnly, by: alice, at: Self.now)
        try atAlice.invite(bob.account, by: alice, at: Self.now)
        // Random text does not compress: the pack is at least this big.
        var bytes = SystemRandomNumberGenerator()
        let filler = String((0..<40_000).map { _ in Character(UnicodeScalar(UInt8.random(in: 0x21...0x7e, using: &bytes))) })
        try atAlice.commit(.text(filler), by: alice, at: Self.now)
        var server = UploadPackServer(conversation: atAlice.id)
        var client = UploadPackClient(conversation: atAlice.id, host: alice.deviceID, haves: [], packLimit: 16 << 10)
        var toServer = client.request
        var refused: SwarmError?
        session: for _ in 0..<10 {
            let chunks = try server.receive(toServer, from: atAlice.git)
            toServer = []
            for chunk in chunks {
                do {
                    for step in try client.receive(chunk) {
                        if case .send(let b) = step { toServer += b }
                        if case .finished = step { break session }
                    }
                } catch {
                    refused = error
                    break session
                }
            }
        }
        #expect(refused.map { "\($0)".contains("over \(16 << 10) bytes") } == true, "\(String(describing: refused))")
    }
}

/// Our client against git's own server: `git daemon` speaks the same `git://` protocol v1 the
/// channels carry (the request line with `host=` included), so a clone through it checks our
/// side of the negotiation against the reference implementation.
@Suite struct GitDaemonInteropTests {
    @Test func weCloneAndFetchFromGitDaemon() async throws {
        let p = try await SwarmFixtures.shared.people()
        let (alice, bob) = (p[0], p[1])
        let served = try SwarmFixtures.folder()
        let atAlice = try ConversationRepository.create(in: served, mode: .invitesOnly, by: alice, at: SyncTests.now)
        try atAlice.invite(bob.account, by: alice, at: SyncTests.now)
        for i in 0..<20 { try atAlice.commit(.text("message \(i)"), by: alice, at: SyncTests.now) }
        try await GitDaemon.with(serving: served) { port in
            let first = try await Self.fetch(atAlice.id, haves: [], port: port)
            let atBob = try ConversationRepository.clone(atAlice.id, tip: first.tip, pack: first.pack, into: try SwarmFixtures.folder())
            #expect(try atBob.head == atAlice.head && atBob.history().count == 22)
            try atAlice.commit(.text("one more"), by: alice, at: SyncTests.now)
            let second = try await Self.fetch(atAlice.id, haves: [try atBob.head], port: port)
            let got = try atBob.integrate(tip: second.tip, pack: second.pack, from: alice.deviceID, by: bob, at: SyncTests.now)
            let aliceHead = try atAlice.head
            #expect(got.new.count == 1 && got.head == aliceHead)
        }
    }

    static func fetch(_ conversation: ObjectID, haves: [ObjectID], port: Int) async throws -> (tip: ObjectID, pack: [UInt8]) {
        try await onOwnThread {
            let connection = try RawConnection(port: port)
            var client = UploadPackClient(conversation: conversation, host: "127.0.0.1", haves: haves)
            connection.send(bytes: client.request)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let (bytes, closed) = connection.receive(timeout: .seconds(1))
                for step in try client.receive(bytes) {
                    switch step {
                    case .send(let out): connection.send(bytes: out)
                    case .finished(let tip, let pack): return (tip, pack)
                    }
                }
                if closed { break }
            }
            throw SwarmError.refused("git daemon's session did not finish")
        }
    }
}

/// `git daemon` on 127.0.0.1, exporting the conversations under one folder, for one test
/// (a ChildProcess: its own process group, stopped and reaped before the test returns).
enum GitDaemon {
    static func with<T>(serving folder: URL, _ body: (Int) async throws -> T) async throws -> T {
        let port = Int.random(in: 20_000...60_000)
        let daemon = try ChildProcess("/usr/lib/git-core/git-daemon",
                                      ["--reuseaddr", "--export-all", "--listen=127.0.0.1", "--port=\(port)", "--base-path=\(folder.path)", folder.path])
        do {
            for _ in 0..<100 {
                if (try? RawConnection(port: port)) != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let result = try await body(port)
            await daemon.stop()
            return result
        } catch {
            await daemon.stop()
            throw error
        }
    }
}
