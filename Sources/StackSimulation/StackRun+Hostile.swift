import DaemonWire
import Contacts
import Daemon
import DHT
import DHTSimulation
import Identity
import SecureDHT

/// What hostile accounts do. Each is a real account (valid chain, certificate published), and
/// it also runs a node of its own from which, every 20 s, it sends five random honest devices
/// the inbox values an attacker can make: undecryptable bytes, a request signed by a
/// self-signed device, a correctly signed and encrypted value that is not msgpack, a valid
/// request with a profile far over the limit, and a connection request; and it floods the DHT
/// with puts of junk at random keys and listens on its victims' inboxes.
extension StackRun {
    func planAttacks() {
        let attackers = accounts.filter(\.hostile)
        guard !attackers.isEmpty else { return }
        let victims = accounts.filter { !$0.hostile }
        guard !victims.isEmpty else { return }
        // The forger: a self-signed "device" made with the first attacker's CA key, so its id (a
        // key the victims look up) is the same in every run of the seed.
        let lone: DeviceIdentity
        do {
            let key = try attackers[0].member.archive.caKey ?? RSAPrivateKey.generate(bits: IdentityPool.bits)
            lone = DeviceIdentity(key: key, chain: CertificateChain([try JamiCertificates.selfSignedCA(key: key)]))
        } catch {
            trace.note(at: elapsed, "no forger identity: \(error)")
            return
        }
        for attacker in attackers {
            var config = DHTConfig()
            config.lifetimeOverrides = [:]
            let node = sim.addNode(config: config)
            let via = infrastructure[Int.random(in: 0..<infrastructure.count, using: &rng)].localAddress
            let firstAt = 200_000 + Int64.random(in: 0..<20_000, using: &rng)
            spawn { [self] in
                try? await node.bootstrap([via], timeout: .seconds(30))
                await sleep(until: firstAt)
                // Listens on a few inboxes, kept open and never read.
                let squats = victims.prefix(5).map { node.listen(DeviceDirectory.inbox(of: $0.device), query: Query()) }
                while elapsed < scenario.duration - 60_000 {
                    await attack(from: attacker, node: node, forger: lone, victims: victims)
                    await sleep(until: elapsed + 20_000)
                }
                withExtendedLifetime(squats) {}
                await node.shutdown()
            }
        }
    }

    private func attack(from attacker: SimulatedAccount, node: SimulatedDHTNode, forger: DeviceIdentity, victims: [SimulatedAccount]) async {
        let device = attacker.member.device
        for _ in 0..<5 {
            let victim = victims[Int.random(in: 0..<victims.count, using: &rng)]
            let inbox = DeviceDirectory.inbox(of: victim.device)
            let key = victim.member.device.key.publicKey
            let base = rng.next()
            var values: [Value] = [Value(id: base, cypher: (0..<700).map { _ in UInt8.random(in: 0...255, using: &rng) })]
            if let v = try? TrustRequest(payload: VCard.make(displayName: "forged")).value(id: base &+ 1).encrypted(to: key, signedBy: forger.key) { values.append(v) }
            if let v = try? Value(id: base &+ 2, type: ValueType.trustRequest.id, data: [0xc1, 0xff, 0x00]).encrypted(to: key, signedBy: device.key) { values.append(v) }
            let oversized = TrustRequest(payload: Array(repeating: 0x41, count: 48 << 10))
            if let v = try? oversized.value(id: base &+ 3).encrypted(to: key, signedBy: device.key) { values.append(v) }
            var peerRequest = Value(id: base &+ 4, data: Array(repeating: 0x90, count: 64))
            peerRequest.userType = "peer_request"
            if let v = try? peerRequest.encrypted(to: key, signedBy: device.key) {
                _ = try? await node.put(.hashing(key: "peer:" + victim.device.hex), v, permanent: false)
            }
            for v in values { _ = try? await node.put(inbox, v, permanent: false) }
        }
        for _ in 0..<20 {
            let junk = Value(id: rng.next(), data: (0..<1024).map { _ in UInt8.random(in: 0...255, using: &rng) })
            _ = try? await node.put(InfoHash.random(using: &rng), junk, permanent: false)
        }
    }
}
