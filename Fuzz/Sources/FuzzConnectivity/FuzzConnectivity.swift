import Connectivity
import ICE
import Multiplexer
import NIOCore
import STUN
import TURN

/// libFuzzer entry for what a peer socket parses from the network, chosen by the first byte:
/// STUN messages (then their integrity and typed attributes), `ice_msg` texts, connection
/// requests, the multiplexer's byte stream (frames, control and protocol messages, fed in
/// pieces to one core that must keep its bounds), STUN packets thrown at an ICE agent, and
/// TURN server answers to a TURN client.
/// Each must succeed or fail with a typed error; nothing may trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConnectivity(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 6 {
    case 0:
        if let m = try? STUNMessage(parsing: bytes) {
            try? m.checkIntegrity(key: Array("password".utf8))
            _ = try? m.xorAddress()
            _ = m.errorCode
            _ = m.uint64(.iceControlling)
        }
    case 1:
        if let d = try? ICEDescription(parsing: String(decoding: bytes, as: UTF8.self)) {
            precondition(d.candidates.count <= ICEDescription.maxCandidates)
            _ = try? ICEDescription(parsing: d.encoded)
        }
    case 2:
        if let r = try? PeerConnectionRequest(decoding: bytes) {
            precondition((try? PeerConnectionRequest(decoding: r.encoded)) == r)
        }
    case 3:
        var core = MuxCore(limits: MuxLimits(maxChannels: 16, maxOffered: 4, receiveHighWater: 4096, maxControlQueue: 4096))
        var rest = bytes[...]
        var now: Int64 = 0
        while !rest.isEmpty, core.failure == nil {
            let n = Int(rest.first!) % 64 + 1
            core.receive(ByteBuffer(bytes: rest.prefix(n)), now: now)
            rest = rest.dropFirst(n)
            for e in core.takeEvents() {
                if case .requested(let id, _) = e { id % 2 == 0 ? core.accept(id) : core.decline(id) }
            }
            var out = ByteBuffer()
            core.writeFrames(into: &out, maxBytes: 1 << 16)
            now += 500
            core.tick(now: now)
        }
        precondition(core.openChannels.count <= 16)
    case 4:
        let local = ICEDescription(ufrag: "abcd1234", password: String(repeating: "p", count: 24), candidates: [
            ICECandidate(kind: .host, tcpType: .passive, address: try! SocketAddress(ipAddress: "127.0.0.1", port: 4000)),
        ])
        var agent = ICEAgent(role: .controlled, local: local, tieBreaker: 7, now: 0)
        guard let id = agent.accepted(local: local.candidates[0], remote: try! SocketAddress(ipAddress: "127.0.0.2", port: 5), now: 0) else { return 0 }
        var reader = RFC4571Reader()
        reader.append(ByteBuffer(bytes: bytes))
        var now: Int64 = 0
        while let packet = reader.next() {
            agent.received(id, Array(packet.readableBytesView), now: now)
            _ = agent.takeOutputs()
            now += 100
            agent.tick(now: now)
        }
    default:
        // What a TURN server sends on the control connection, then on a data connection.
        var client = TURNClient(credentials: TURNCredentials(username: "ring", password: "ring"), now: 0)
        client.permit([try! SocketAddress(ipAddress: "127.0.0.2", port: 5)], now: 0)
        var reader = STUNStreamReader()
        reader.append(bytes)
        var now: Int64 = 0
        while let m = try? reader.next() {
            client.received(m, now: now)
            _ = client.takeOutputs()
            now += 1000
            client.tick(now: now)
            let (tx, _) = client.connectionBind(1)
            try? client.checkBindAnswer(m, request: tx)
        }
    }
    return 0
}
