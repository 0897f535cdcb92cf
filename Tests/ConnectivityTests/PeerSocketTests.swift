import Connectivity
import ICE
import Identity
import Logging
import NIOCore
import NIOPosix
import Testing

/// Two peer sockets on loopback: real ICE-TCP sessions, real TLS with Jami's parameters, the
/// multiplexer on top.
@Suite(.serialized) struct PeerSocketTests {
    struct Pair {
        var requester: PeerSocket
        var responder: PeerSocket
        var pair: ICEAgent.SelectedPair
    }

    /// Jami's roles: the requester is ICE-controlled and TLS server, the responder controlling
    /// and TLS client. Each checks that the peer presents exactly the expected chain.
    static func connect(presenting: DeviceIdentity? = nil, accepts: @escaping @Sendable (String) -> Bool = { $0 != "unknown" }) async throws -> Pair {
        let log = Logger(label: "test")
        let loop = PeerEventLoops.next()
        let ids = try await TestDevices.shared.two()
        let (a, b) = (ids[0], ids[1])
        let lo = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        let requester = ICESession(loop: loop, role: .controlled, addresses: [lo], logger: log)
        let responder = ICESession(loop: loop, role: .controlling, addresses: [lo], logger: log)
        let offer = try await requester.gather()
        let answer = try await responder.gather()
        responder.start(remote: offer)
        requester.start(remote: answer)
        let (ca, pair) = try await requester.connection()
        let (cb, _) = try await responder.connection()
        let shown = presenting ?? b
        async let sa = PeerSocket.start(on: ca, isClient: false, tls: try PeerTLS.context(for: a),
                                        verify: { $0.encodings == b.chain.encodings ? .success(()) : .failure(.tls("not the expected chain")) },
                                        accepts: accepts, logger: log)
        async let sb = PeerSocket.start(on: cb, isClient: true, tls: try PeerTLS.context(for: shown),
                                        verify: { $0.encodings == a.chain.encodings ? .success(()) : .failure(.tls("not the expected chain")) },
                                        accepts: accepts, logger: log)
        return Pair(requester: try await sa, responder: try await sb, pair: pair)
    }

    /// A connection that went away before TLS could be added (its ICE handler gone) fails the
    /// start with a typed error; the promises the multiplexer would have completed are
    /// completed (a leaked promise is a crash in debug builds: the full suite once hit it).
    @Test func aConnectionGoneBeforeTLSFailsTheStartCleanly() async throws {
        let ids = try await TestDevices.shared.two()
        let loop = PeerEventLoops.next()
        // A plain TCP connection on loopback: no ICE handler at its bottom, as when the ICE
        // connection closed and its handlers left the pipeline before TLS was added.
        let server = try await ServerBootstrap(group: loop).bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let channel = try await ClientBootstrap(group: loop).connect(to: server.localAddress!).get()
        defer { channel.close(promise: nil) }
        await #expect(throws: ConnectivityError.self) {
            _ = try await PeerSocket.start(on: channel, isClient: true, tls: try PeerTLS.context(for: ids[0]), verify: { _ in .success(()) },
                                           accepts: { _ in true }, logger: Logger(label: "test"))
        }
    }

    @Test func channelsOpenBothWaysAndUnknownNamesAreDeclined() async throws {
        let p = try await Self.connect()
        #expect(p.pair.kind == .host)
        let fromRequester = try await p.requester.open("sip")
        var incoming = p.responder.incoming.makeAsyncIterator()
        let atResponder = try #require(await incoming.next())
        #expect(atResponder.name == "sip" && atResponder.id == fromRequester.id)
        try await fromRequester.write(ByteBuffer(string: "hello"))
        var it = atResponder.inbound.makeAsyncIterator()
        #expect(try await it.next() == ByteBuffer(string: "hello"))
        let back = try await p.responder.open("git://x/y")
        var incomingA = p.requester.incoming.makeAsyncIterator()
        let atRequester = try #require(await incomingA.next())
        try await back.write(ByteBuffer(string: "back"))
        var it2 = atRequester.inbound.makeAsyncIterator()
        #expect(try await it2.next() == ByteBuffer(string: "back"))
        await #expect(throws: ConnectivityError.channelDeclined("unknown")) { try await p.requester.open("unknown") }
        fromRequester.close()
        #expect(try await it.next() == nil)
        p.requester.close()
        #expect(await p.responder.closed == .socketClosed("connection closed by the peer"))
    }

    /// A peer may write the moment its request is accepted; what it sends before the layer
    /// above takes the channel from `incoming` waits for it (it once was dropped, in a race
    /// between the loop's reads and the stream's registration).
    @Test func bytesSentBeforeTheChannelIsTakenAreKept() async throws {
        let p = try await Self.connect()
        let sender = try await p.requester.open("sip")
        for i in 0..<64 { try await sender.write(ByteBuffer(repeating: UInt8(i), count: 1000)) }
        try await Task.sleep(for: .milliseconds(300))
        var incoming = p.responder.incoming.makeAsyncIterator()
        let receiver = try #require(await incoming.next())
        var got: [UInt8] = []
        for try await b in receiver.inbound {
            got += b.readableBytesView
            if got.count >= 64_000 { break }
        }
        #expect(got == (0..<64).flatMap { Array(repeating: UInt8($0), count: 1000) })
        p.requester.close()
    }

    @Test func sixtyFourMebibytesArriveByteForByte() async throws {
        let p = try await Self.connect()
        let sender = try await p.requester.open("data-transfer://bulk")
        var incoming = p.responder.incoming.makeAsyncIterator()
        let receiver = try #require(await incoming.next())
        let total = 64 << 20
        // A pattern with a period (1 MiB + 7) that no frame or record size divides.
        let period = (1 << 20) + 7
        let block = (0..<(2 * period)).map(Self.pattern)
        async let received: Int = {
            var n = 0
            for try await b in receiver.inbound {
                let offset = n % period
                let same = b.withUnsafeReadableBytes { got in
                    block[offset..<(offset + got.count)].withUnsafeBytes { want in memcmp(got.baseAddress!, want.baseAddress!, got.count) == 0 }
                }
                guard same else {
                    Issue.record("bytes \(n)..<\(n + b.readableBytes) differ")
                    return n
                }
                n += b.readableBytes
                if n == total { return n }
            }
            return n
        }()
        var sent = 0
        while sent < total {
            let n = min(200_000, total - sent)
            let offset = sent % period
            try await sender.write(ByteBuffer(bytes: block[offset..<(offset + n)]))
            sent += n
        }
        #expect(try await received == total)
        p.requester.close()
    }

    @Test func aPeerPresentingAnotherChainIsRefusedDuringTheHandshake() async throws {
        let other = try await AccountFactory.create(bits: 2048).device
        await #expect(throws: (any Error).self) { _ = try await Self.connect(presenting: other) }
    }

    static func pattern(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: (i % ((1 << 20) + 7)) &* 2_654_435_761 >> 13) }
}

/// Two throw-away devices (RSA-2048, for speed), made once for the whole suite.
actor TestDevices {
    static let shared = TestDevices()
    private var devices: [DeviceIdentity]?
    func two() async throws -> [DeviceIdentity] {
        if let devices { return devices }
        let made = [try await AccountFactory.create(bits: 2048).device, try await AccountFactory.create(bits: 2048).device]
        devices = made
        return made
    }
}
