import Connectivity
@testable import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Identity
import NIOCore
import Testing

/// Two rafikid on loopback open peer sockets through the API: the request and answer over the
/// private DHT, ICE-TCP on 127.0.0.1, TLS with each device's published chain, channels on top.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PeerConnectionTests {
    @Test func socketsComeUpBothWaysAndCarryChannels() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await Self.aliceAndBob(on: network)
            try await Self.serveEcho(on: b, account: bob)
            try await Self.serveEcho(on: a, account: alice)
            try await Self.serveCheck(on: b, account: bob)

            let rows = try await a.client.call(.connectPeer, account: alice.id, body: API.ConnectPeer(peer: bob.id), as: API.PeerList.self).peers
            let row = try #require(rows.first)
            #expect(rows.count == 1 && row.device == bob.device && row.account == bob.id)
            #expect(row.state == .connected && row.pair == "host" && row.direction == "outgoing")
            try await b.recorder.wait("Alice's device connected at Bob") { $0.type == .connectionState && $0.device == alice.device && $0.state == "connected" }
            let atBob = try await b.client.call(.peers, account: bob.id, as: API.PeerList.self).peers
            #expect(atBob.map(\.device) == [alice.device] && atBob.first?.direction == "incoming" && atBob.first?.account == alice.id)

            // Bob asking for Alice now gets the same socket, not a second one.
            let back = try await b.client.call(.connectPeer, account: bob.id, body: API.ConnectPeer(peer: alice.device), as: API.PeerList.self).peers
            #expect(back.map(\.state) == [.connected] && back.first?.direction == "incoming")

            let socket = try await Self.socket(from: a, account: alice, to: bob)
            // 16 channels at once, each echoing 1 MiB, then 64 MiB through one, checked byte for byte.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<16 {
                    group.addTask { try await Self.echo(1 << 20, seed: UInt8(i), through: socket.open("test-echo/\(i)")) }
                }
                try await group.waitForAll()
            }
            try await Self.sendChecked(64 << 20, seed: 99, through: socket.open("test-check/big"))
            // A name nobody serves is declined; the socket stays up.
            await #expect(throws: ConnectivityError.channelDeclined("nobody-serves-this")) { try await socket.open("nobody-serves-this") }
            #expect(socket.isOpen)
            let probes = [try await a.client.call(.probeChannel, account: alice.id, peer: bob.device, body: API.ProbeChannel(name: "test-echo/probe"), as: API.ChannelProbe.self),
                          try await a.client.call(.probeChannel, account: alice.id, peer: bob.device, body: API.ProbeChannel(name: "sip"), as: API.ChannelProbe.self),
                          try await a.client.call(.probeChannel, account: alice.id, peer: bob.device, body: API.ProbeChannel(name: "rafiki-test/unknown"), as: API.ChannelProbe.self)]
            #expect(probes == [API.ChannelProbe(name: "test-echo/probe", accepted: true), API.ChannelProbe(name: "sip", accepted: true),
                               API.ChannelProbe(name: "rafiki-test/unknown", accepted: false, detail: "channel rafiki-test/unknown declined")])
            let declinedAtBob = try await b.client.call(.peers, account: bob.id, as: API.PeerList.self).peers.first?.declined
            #expect(declinedAtBob == ["nobody-serves-this", "rafiki-test/unknown"])
            // Bob opens one towards Alice over the same socket.
            let bobSide = try await Self.socket(from: b, account: bob, to: alice)
            #expect(try await bobSide.statistics.statistics.bytesIn > 64 << 20)
            try await Self.echo(4096, seed: 7, through: bobSide.open("test-echo/from-bob"))

            let listed = try await a.client.call(.peers, account: alice.id, as: API.PeerList.self).peers
            #expect(listed.first.map { ($0.bytesOut ?? 0) > 64 << 20 } == true)
        }
    }

    @Test func aClosedSocketReconnects() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await Self.aliceAndBob(on: network)
            try await Self.serveEcho(on: b, account: bob)
            _ = try await a.client.call(.connectPeer, account: alice.id, body: API.ConnectPeer(peer: bob.device), as: API.PeerList.self)
            _ = try await a.client.call(.disconnectPeer, account: alice.id, peer: bob.device)
            try await a.recorder.wait("closed at Alice") { $0.type == .connectionState && $0.device == bob.device && $0.state == "closed" }
            try await b.recorder.wait("closed at Bob") { $0.type == .connectionState && $0.device == alice.device && $0.state == "closed" }
            let again = try await a.client.call(.connectPeer, account: alice.id, body: API.ConnectPeer(peer: bob.id), as: API.PeerList.self).peers
            #expect(again.map(\.state) == [.connected])
            try await Self.echo(100_000, seed: 3, through: Self.socket(from: a, account: alice, to: bob).open("test-echo/again"))
        }
    }

    /// Bob bans Alice, Carol is a stranger to a Bob who only takes contacts: both are refused
    /// before any answer (they time out, as with jamid), with the reason in Bob's events; an
    /// id with no device is an error at once.
    @Test func policyRefusesBannedAccountsAndStrangers() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await Self.aliceAndBob(on: network, bobTakesStrangers: false)
            let c = TestDaemon(network: network)
            try await c.start()
            let carol = try await c.createAccount("Carol")
            try await c.recorder.wait("Carol registered") { $0.type == .registration && $0.state == "registered" }
            _ = try await b.client.call(.banContact, account: bob.id, peer: alice.id)

            let attempts = [Task { try? await a.client.call(.connectPeer, account: alice.id, body: API.ConnectPeer(peer: bob.device), as: API.PeerList.self) },
                            Task { try? await c.client.call(.connectPeer, account: carol.id, body: API.ConnectPeer(peer: bob.device), as: API.PeerList.self) }]
            defer { for t in attempts { t.cancel() } }
            for (who, device) in [("Alice", alice.device), ("Carol", carol.device)] {
                let refused = try await b.recorder.wait("\(who) refused at Bob") { $0.type == .connectionState && $0.device == device && $0.state == "failed" }
                #expect(refused.detail?.contains("refused by policy") == true)
            }
            #expect(!b.recorder.all.contains { $0.type == .connectionState && $0.state == "connected" })
            // Alice gives up before the 30 s: a disconnect cancels the attempt.
            _ = try await a.client.call(.disconnectPeer, account: alice.id, peer: bob.device)
            let gaveUp = try await a.recorder.wait("Alice's attempt cancelled") { $0.type == .connectionState && $0.device == bob.device && $0.state == "failed" }
            #expect(gaveUp.detail == "cancelled")
            // A service asking again right away is told to wait (backoff); a person is not.
            let bobDevice = try #require(PublicKeyID(hex: bob.device))
            await #expect { _ = try await a.daemon.runtime(alice.id).connections().connect(bobDevice) }
                throws: { ($0 as? DaemonError)?.context.hasPrefix("retrying in 2 s") == true }
            #expect((1...10).map(Connections.retryDelay(afterFailures:)) == [2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000])
            _ = try await c.client.call(.disconnectPeer, account: carol.id, peer: bob.device)

            let nobody = String(repeating: "ab", count: 20)
            await #expect { _ = try await a.client.call(.connectPeer, account: alice.id, body: API.ConnectPeer(peer: nobody), as: API.PeerList.self) }
                throws: { if case .api(_, .noSuchPeer?, _) = $0 as? DaemonClientError { true } else { false } }
        }
    }

    // MARK: helpers

    static func aliceAndBob(on network: TestNetwork, bobTakesStrangers: Bool = true) async throws -> (TestDaemon, TestDaemon, API.Account, API.Account) {
        let a = TestDaemon(network: network), b = TestDaemon(network: network)
        b.peerConnectionsFromStrangers = bobTakesStrangers
        try await a.start()
        try await b.start()
        let alice = try await a.createAccount("Alice"), bob = try await b.createAccount("Bob")
        try await b.recorder.wait("Bob registered") { $0.type == .registration && $0.state == "registered" }
        try await a.recorder.wait("Alice registered") { $0.type == .registration && $0.state == "registered" }
        return (a, b, alice, bob)
    }

    /// Channels named `test-echo…` get every byte written back, then closed.
    static func serveEcho(on d: TestDaemon, account: API.Account) async throws {
        try await d.daemon.runtime(account.id).connections().register(prefix: "test-echo") { channel, _ in
            do {
                for try await chunk in channel.inbound { try await channel.write(chunk) }
            } catch {}
            channel.close()
        }
    }

    /// Channels named `test-check…` receive the bytes ``sendChecked`` writes and compare each
    /// with the pattern; at the end they answer the count and whether every byte matched.
    static func serveCheck(on d: TestDaemon, account: API.Account) async throws {
        try await d.daemon.runtime(account.id).connections().register(prefix: "test-check") { channel, _ in
            var received = 0, good = true, expected = 0
            let pattern = Self.pattern(seed: 99)
            do {
                for try await buffer in channel.inbound {
                    if expected == 0, buffer.readableBytes >= 8 {  // first: the length announced
                        var b = buffer
                        expected = Int(b.readInteger(as: UInt64.self)!)
                        received += Self.compare(b, at: 0, with: pattern, good: &good)
                    } else {
                        received += Self.compare(buffer, at: received, with: pattern, good: &good)
                    }
                    if expected > 0, received >= expected { break }
                }
                var verdict = ByteBuffer()
                verdict.writeInteger(UInt64(received))
                verdict.writeInteger(UInt8(good ? 1 : 0))
                try await channel.write(verdict)
            } catch {}
        }
    }

    static func pattern(seed: UInt8) -> [UInt8] { (0..<(60_000 + 256)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) } }

    /// Compares `buffer` with the pattern at stream offset `at`; returns its length.
    static func compare(_ buffer: ByteBuffer, at: Int, with pattern: [UInt8], good: inout Bool) -> Int {
        buffer.withUnsafeReadableBytes { raw in
            pattern.withUnsafeBufferPointer { p in
                var offset = 0
                while offset < raw.count {
                    let n = min(raw.count - offset, 60_000)
                    if memcmp(raw.baseAddress! + offset, p.baseAddress! + (at + offset) % 256, n) != 0 { good = false }
                    offset += n
                }
            }
        }
        return buffer.readableBytes
    }

    /// Sends `count` patterned bytes (after their count) one way; the peer checks each byte.
    static func sendChecked(_ count: Int, seed: UInt8, through channel: PeerChannel) async throws {
        let pattern = Self.pattern(seed: seed)
        var head = ByteBuffer()
        head.writeInteger(UInt64(count))
        try await channel.write(head)
        var sent = 0
        while sent < count {
            let n = min(60_000, count - sent)
            try await channel.write(ByteBuffer(bytes: pattern[(sent % 256)..<(sent % 256 + n)]))
            sent += n
        }
        var it = channel.inbound.makeAsyncIterator()
        var verdict = ByteBuffer()
        while verdict.readableBytes < 9, var b = try await it.next() { verdict.writeBuffer(&b) }
        #expect(verdict.readInteger(as: UInt64.self) == UInt64(count))
        #expect(verdict.readInteger(as: UInt8.self) == 1, "the receiver saw different bytes")
        channel.close()
    }

    static func socket(from d: TestDaemon, account: API.Account, to peer: API.Account) async throws -> PeerSocket {
        let device = try #require(PublicKeyID(hex: peer.device))
        return try await d.daemon.runtime(account.id).connections().connect(device)
    }

    /// Writes `count` patterned bytes and checks that the same come back, in order.
    static func echo(_ count: Int, seed: UInt8, through channel: PeerChannel) async throws {
        let chunk = 60_000
        let pattern = (0..<(chunk + 256)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
        let writer = Task {
            var sent = 0
            while sent < count {
                let n = min(chunk, count - sent)
                let start = sent % 256
                try await channel.write(ByteBuffer(bytes: pattern[start..<start + n]))
                sent += n
            }
        }
        var received = 0
        for try await buffer in channel.inbound {
            let ok = buffer.withUnsafeReadableBytes { raw in
                pattern.withUnsafeBufferPointer { p in
                    var offset = 0
                    while offset < raw.count {
                        let start = (received + offset) % 256
                        let n = min(raw.count - offset, chunk)
                        guard memcmp(raw.baseAddress! + offset, p.baseAddress! + start, n) == 0 else { return false }
                        offset += n
                    }
                    return true
                }
            }
            #expect(ok, "bytes differ after \(received)")
            guard ok else { break }
            received += buffer.readableBytes
            if received >= count { break }
        }
        try await writer.value
        channel.close()
        #expect(received == count)
    }
}
