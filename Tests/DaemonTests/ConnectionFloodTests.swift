import Connectivity
@testable import Daemon
import DaemonClient
import DaemonWire
import DHT
import Foundation
import ICE
import Identity
import NIOCore
import SecureDHT
import TestSupport
import Testing

/// 800 connection requests from 8 identities land at Bob's request key at once, each one
/// encrypted to him (so each costs a decryption before anything about it is known). Bob
/// decrypts no more than his budget allows, answers none of the strangers' requests whose
/// devices have no certificate, and still connects to Alice once the flood is over.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ConnectionFloodTests {
    @Test func aFloodOfRequestsFromManyIdentitiesIsBounded() async throws {
        try await withTestNetwork { network in
            let (a, b, alice, bob) = try await PeerConnectionTests.aliceAndBob(on: network)
            let senders = try await withThrowingTaskGroup(of: DeviceIdentity.self) { group in
                for _ in 0..<8 { group.addTask { try await AccountFactory.create(bits: 2048).device } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let runtime = try await b.daemon.runtime(bob.id)
            let bobKey = try #require(runtime.device.chain.leaf.rsaPublicKey)
            let ice = ICEDescription(ufrag: "floodufrag", password: "floodpasswordfloodpassword",
                                     candidates: [ICECandidate(kind: .host, tcpType: .passive, address: try SocketAddress(ipAddress: "127.0.0.1", port: 9))]).encoded
            // 800 RSA signatures: on a thread of their own, not the suite's shared pool.
            let values = try await onOwnThread { () throws -> [Value] in
                try (0..<800).map { i in
                    let request = PeerConnectionRequest(id: UInt64(i + 1), iceMessage: i % 2 == 0 ? ice : "not an ICE description", isAnswer: false)
                    let clear = Value(id: UInt64(1_000_000 + i), data: request.encoded, userType: PeerConnectionRequest.userType)
                    return try clear.encrypted(to: bobKey, signedBy: senders[i % senders.count].key)
                }
            }
            let plain = try await network.plainNode()
            let key = InfoHash.hashing(key: "peer:" + bob.device)
            let started = ContinuousClock.now
            let (cpuBefore, rssBefore) = (Self.cpuSeconds(), Self.residentMiB())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 0, to: values.count, by: 100) {
                    group.addTask { for v in values[chunk..<min(chunk + 100, values.count)] { _ = try await plain.put(key, v, permanent: false) } }
                }
                try await group.waitForAll()
            }
            // Bob has seen them all once admitted + refused stops growing.
            var budget = await runtime.online?.inbox.peerBudget
            var last = -1
            while let b = budget, b.admitted + b.refused != last {
                last = b.admitted + b.refused
                try await Task.sleep(for: .milliseconds(500))
                budget = await runtime.online?.inbox.peerBudget
            }
            let elapsed = (ContinuousClock.now - started) / .seconds(1)
            let seen = try #require(budget)
            print("flood: \(seen.admitted + seen.refused) of 800 values reached Bob in \(String(format: "%.1f", elapsed)) s; decrypted \(seen.admitted), dropped unread \(seen.refused); "
                  + String(format: "test process: %.1f CPU s, resident %+.0f MiB (the putting node and both daemons included)", Self.cpuSeconds() - cpuBefore, Self.residentMiB() - rssBefore))
            #expect(seen.admitted + seen.refused > 400, "the flood did not reach Bob")
            #expect(Double(seen.admitted) <= seen.burst + seen.perSecond * (elapsed + 1))
            #expect(seen.refused > 0)
            let connections = try await runtime.connections()
            #expect(await connections.pendingIncoming <= Connections.maxPendingIncoming)
            #expect(!b.recorder.all.contains { $0.type == .connectionState && $0.state == "connected" })

            // After the flood, the budget refills and a real peer gets through.
            try await Task.sleep(for: .seconds(Double(Int(seen.burst) / Int(seen.perSecond))))
            let rows = try await a.client.call(.connectPeer, account: alice.id, body: API.ConnectPeer(peer: bob.device), as: API.PeerList.self).peers
            #expect(rows.map(\.state) == [.connected])
        }
    }

    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func residentMiB() -> Double {
        let pages = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}
