import Connectivity
import Foundation
import ICE
import Identity
import Logging
import NIOCore
import NIOPosix

/// Two peer sockets on 127.0.0.1, as a requester and a responder make them.
struct SocketPair {
    let requester: PeerSocket
    let responder: PeerSocket

    static func make(_ a: DeviceIdentity, _ b: DeviceIdentity, logger: Logger) async throws -> SocketPair {
        let (one, two) = twoLoops()
        let lo = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        let requester = ICESession(loop: one, role: .controlled, addresses: [lo], logger: logger)
        let responder = ICESession(loop: two, role: .controlling, addresses: [lo], logger: logger)
        let offer = try await requester.gather()
        let answer = try await responder.gather()
        responder.start(remote: offer)
        requester.start(remote: answer)
        let (ca, _) = try await requester.connection()
        let (cb, _) = try await responder.connection()
        let (ea, eb) = (a.chain.encodings, b.chain.encodings)
        async let sa = PeerSocket.start(on: ca, isClient: false, tls: try PeerTLS.context(for: a),
                                        verify: { $0.encodings == eb ? .success(()) : .failure(.tls("chain")) }, accepts: { _ in true }, logger: logger)
        async let sb = PeerSocket.start(on: cb, isClient: true, tls: try PeerTLS.context(for: b),
                                        verify: { $0.encodings == ea ? .success(()) : .failure(.tls("chain")) }, accepts: { _ in true }, logger: logger)
        return SocketPair(requester: try await sa, responder: try await sb)
    }

    /// GiB/s for `bytes` sent from the requester to the responder over `channels` channels at once.
    func throughput(bytes: Int, channels: Int) async throws -> Double {
        let each = bytes / channels
        let opened = try await withThrowingTaskGroup(of: PeerChannel.self) { group in
            for i in 0..<channels { group.addTask { try await requester.open("bench/\(i)") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var incoming = responder.incoming.makeAsyncIterator()
        var received: [PeerChannel] = []
        while received.count < channels, let c = await incoming.next() { received.append(c) }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in opened {
                group.addTask {
                    let chunk = ByteBuffer(repeating: 0x5a, count: 1 << 20)
                    var sent = 0
                    while sent < each {
                        try await c.write(sent + chunk.readableBytes <= each ? chunk : chunk.getSlice(at: 0, length: each - sent)!)
                        sent += min(chunk.readableBytes, each - sent)
                    }
                }
            }
            for c in received {
                group.addTask {
                    var got = 0
                    for try await buffer in c.inbound {
                        got += buffer.readableBytes
                        if got >= each { break }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        for c in opened { c.close() }
        return Double(each * channels) / Double(1 << 30) / seconds
    }

    func close() {
        requester.close()
        responder.close()
    }
}
