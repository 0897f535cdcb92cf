import Connectivity
import ICE
import Logging
import NIOCore
import NIOPosix
import TestSupport
import Testing
import TURN

/// ICE through a real coturn on loopback: one side offers only its relay candidate, so the
/// only path is the other side's active host candidate → the relayed address → coturn →
/// RFC 6062 ConnectionAttempt → our ConnectionBind → TLS and the multiplexer on top.
@Suite(.serialized, .timeLimit(.minutes(2))) struct TURNRelayTests {
    @Test func aSocketComesUpThroughTheRelay() async throws {
        try await Coturn.with { turn in try await Self.throughRelay(turn) }
    }

    static func throughRelay(_ turn: Coturn) async throws {
        let log = Logger(label: "test")
        let loop = PeerEventLoops.next()
        let server = TURNRelay.Server(address: try SocketAddress(ipAddress: "127.0.0.1", port: turn.port),
                                      credentials: TURNCredentials(username: Coturn.username, password: Coturn.password))
        let (relay, relayed) = try await TURNRelay.allocate(on: server, loop: loop, logger: log)
        #expect(relayed.ipAddress == "127.0.0.1" && relayed.port != turn.port)

        let ids = try await TestDevices.shared.two()
        let lo = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        let requester = ICESession(loop: loop, role: .controlled, addresses: [], relay: (relay, relayed), logger: log)
        let responder = ICESession(loop: loop, role: .controlling, addresses: [lo], logger: log)
        let offer = try await requester.gather()
        #expect(offer.candidates.map(\.kind) == [.relay])
        let answer = try await responder.gather()
        responder.start(remote: offer)
        requester.start(remote: answer)
        let (ca, pairA) = try await requester.connection()
        let (cb, pairB) = try await responder.connection()
        #expect(pairA.kind == .relay && pairB.kind == .relay)

        let (a, b) = (ids[0], ids[1])
        async let sa = PeerSocket.start(on: ca, isClient: false, tls: try PeerTLS.context(for: a),
                                        verify: { $0.encodings == b.chain.encodings ? .success(()) : .failure(.tls("not the expected chain")) },
                                        accepts: { _ in true }, logger: log)
        async let sb = PeerSocket.start(on: cb, isClient: true, tls: try PeerTLS.context(for: b),
                                        verify: { $0.encodings == a.chain.encodings ? .success(()) : .failure(.tls("not the expected chain")) },
                                        accepts: { _ in true }, logger: log)
        let (socketA, socketB) = try await (sa, sb)
        let out = try await socketA.open("relayed")
        var incoming = socketB.incoming.makeAsyncIterator()
        let atB = try #require(await incoming.next())
        let payload = ByteBuffer(bytes: (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        try await out.write(payload)
        var got = ByteBuffer()
        for try await chunk in atB.inbound {
            var c = chunk
            got.writeBuffer(&c)
            if got.readableBytes >= payload.readableBytes { break }
        }
        #expect(got == payload)
        socketA.close()
        socketB.close()
    }

    @Test func wrongCredentialsAreRefused() async throws {
        try await Coturn.with { turn in
            let server = TURNRelay.Server(address: try SocketAddress(ipAddress: "127.0.0.1", port: turn.port),
                                          credentials: TURNCredentials(username: Coturn.username, password: "wrong"))
            await #expect(throws: ConnectivityError.self) {
                _ = try await TURNRelay.allocate(on: server, loop: PeerEventLoops.next(), logger: Logger(label: "test"))
            }
        }
    }
}
