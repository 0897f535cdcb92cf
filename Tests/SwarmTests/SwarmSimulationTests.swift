import Foundation
import Identity
@testable import Swarm
import Testing

/// Fifty devices (ten accounts of five devices) in one group, synced only through our
/// upload-pack server and client, deterministically: each round some devices go offline or
/// come back (churn), some write, and a third of the online devices sync with a random online
/// peer, a fifth of the sessions being lost. Then everyone is back and syncs around a ring,
/// twice: every device ends with the same `main`, holding every message written. Real
/// repositories, real signatures, every fetch validated.
@Suite(.timeLimit(.minutes(8)))
struct SwarmSimulationTests {
    /// xorshift64*: the same run every time.
    struct RNG: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    final class Device {
        let author: SwarmAuthor
        let folder: URL
        var repository: ConversationRepository?
        var online = true
        init(author: SwarmAuthor, folder: URL) {
            self.author = author
            self.folder = folder
        }
    }

    @Test func fiftyDevicesWithChurnAndLossConvergeOnOneHistory() async throws {
        var devices: [Device] = []
        for _ in 0..<10 {
            let (archive, first) = try await AccountFactory.create(bits: 2048)
            var own = [first]
            for _ in 0..<4 { own.append(try await DeviceIdentity.createOnOwnThread(for: archive, bits: 2048)) }
            for d in own { devices.append(Device(author: try SwarmAuthor(device: d, displayName: nil), folder: try SwarmFixtures.folder())) }
        }
        var rng = RNG(state: 0x5EED_1234_ABCD)
        var clock: Int64 = 1_700_000_000
        let admin = devices[0]
        let conv = try ConversationRepository.create(in: admin.folder, mode: .invitesOnly, by: admin.author, at: clock)
        admin.repository = conv
        for account in 1..<10 { try conv.invite(devices[account * 5].author.account, by: admin.author, at: clock) }

        /// `to` fetches from `from` (a clone when it has nothing), then joins if it is invited.
        func sync(_ to: Device, from: Device) throws {
            guard let source = from.repository else { return }
            let haves = (try? to.repository?.head).flatMap { $0 }.map { [$0] } ?? []
            let (tip, pack) = try SyncTests.session(with: source, haves: haves, host: from.author.deviceID)
            if let r = to.repository {
                _ = try r.integrate(tip: tip, pack: pack, from: from.author.deviceID, by: to.author, at: clock)
            } else {
                to.repository = try ConversationRepository.clone(conv.id, tip: tip, pack: pack, into: to.folder)
            }
            if let r = to.repository, try r.roles()[to.author.account] == .invited { try r.join(by: to.author, at: clock) }
        }

        var written: Set<ObjectID> = [], sessions = 0, lost = 0
        for _ in 0..<20 {
            clock += 1
            for d in devices.dropFirst() {
                if d.online, Int.random(in: 0..<10, using: &rng) == 0 { d.online = false }
                else if !d.online, Int.random(in: 0..<3, using: &rng) == 0 { d.online = true }
            }
            let online = devices.filter(\.online)
            for d in online where d.repository != nil && Int.random(in: 0..<8, using: &rng) == 0 {
                if (try? d.repository!.roles()[d.author.account]) ?? nil == .member || d === admin {
                    written.insert(try d.repository!.commit(.text("from \(d.author.deviceID.prefix(6)) at \(clock)"), by: d.author, at: clock))
                }
            }
            for d in online where Int.random(in: 0..<3, using: &rng) == 0 {
                let peer = online[Int.random(in: 0..<online.count, using: &rng)]
                guard peer !== d else { continue }
                sessions += 1
                if Int.random(in: 0..<5, using: &rng) == 0 { lost += 1; continue }
                try sync(d, from: peer)
            }
        }
        // Quiet: everyone back, no writes; around the ring twice (the first pass gathers every
        // branch into the last device, the second fast-forwards everyone to it).
        for d in devices { d.online = true }
        clock += 1
        let ring = devices.filter { $0.repository != nil } + devices.filter { $0.repository == nil }
        for pass in 0..<2 {
            for i in 0..<ring.count where pass == 1 || i > 0 { try sync(ring[i], from: ring[(i + ring.count - 1) % ring.count]) }
        }
        let rounds = 2
        let heads = Set(devices.compactMap { try? $0.repository?.head })
        print("swarm simulation: 50 devices, \(written.count) messages, \(sessions) sessions (\(lost) lost), converged after \(rounds) passes around the ring")
        #expect(heads.count == 1 && devices.allSatisfy { $0.repository != nil }, "\(heads.count) different heads")
        let final = try #require(devices.first?.repository)
        let all = Set(try final.git.walk(from: [try final.head], oldestFirst: true))
        #expect(written.isSubset(of: all), "\(written.subtracting(all).count) messages lost")
        #expect(try final.roles().values.filter { $0 == .member }.count == 9)
        try HistoryValidator(final.git, conversation: final.id).validate(try final.git.walk(from: [try final.head], hiding: [final.id], oldestFirst: true))
    }
}
