import DaemonAPI
import Foundation
import HTTPServerLimits
import TestSupport
import Testing

/// Finding 6 of issue 13 on rafikid's API: the same deadlines and bound as the name server, on
/// TCP and on the Unix socket, while event streams and WebSockets stay open as long as they are used.
@Suite(.timeLimit(.minutes(2)))
struct APIConnectionLimitTests {
    static let quick = ConnectionLimits(maxConnections: 8, maxConnectionsPerIP: 0, idleTimeout: .seconds(1),
                                        headTimeout: .seconds(2), bodyTimeout: .seconds(2))

    @Test(arguments: [false, true])
    func silentAndHalfSentRequestsAreClosed(onUnixSocket: Bool) async throws {
        try await withAPIServer(connections: Self.quick, onUnixSocket: onUnixSocket) { api async throws in
            let silent = try api.connect()
            let head = try api.connect()
            let body = try api.connect()
            let lived = try await onOwnThread { () -> [Duration?] in
                let started = ContinuousClock.now
                head.send("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                body.send("POST /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000000\r\n\r\n")
                return [silent, head, body].map { connection in
                    let (_, closed) = connection.readUntilClosed(timeout: .seconds(20) - (ContinuousClock.now - started))
                    return closed ? ContinuousClock.now - started : nil
                }
            }
            for (what, time) in zip(["silent", "half a head", "a body never sent"], lived) {
                let time = try #require(time, "\(what): still open after 20 s")
                #expect(time < .seconds(15), "\(what): lived \(time)")
            }
        }
    }

    @Test func eventStreamsOutliveTheDeadlines() async throws {
        try await withAPIServer(connections: Self.quick) { api async throws in
            let stream = try api.connect()
            let webSocket = try api.connect()
            let (streamText, streamClosed, socketText, socketClosed) = try await onOwnThread { () -> (String, Bool, String, Bool) in
                stream.send("GET /v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1:\(api.port)\r\n\(api.bearer)\r\n\r\n")
                webSocket.send("GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(api.port)\r\n\(api.bearer)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                // The heads first, however long a loaded machine takes to send them (the suite
                // runs beside RSA key generation on two cores); then six times the idle timeout
                // with nothing to send, through which both must stay open.
                let (a, _) = stream.readHead(timeout: .seconds(30))
                let (b, _) = webSocket.readHead(timeout: .seconds(30))
                let (_, aClosed) = stream.readUntilClosed(timeout: .seconds(6))
                let (_, bClosed) = webSocket.readUntilClosed(timeout: .milliseconds(100))
                // A masked close frame with no payload, so the server need not wait for one.
                webSocket.send(bytes: [0x88, 0x80, 0, 0, 0, 0])
                return (a, aClosed, b, bClosed)
            }
            #expect(streamText.hasPrefix("HTTP/1.1 200") && !streamClosed, "the event stream was cut: \(streamText.prefix(80))")
            #expect(socketText.hasPrefix("HTTP/1.1 101") && !socketClosed, "the WebSocket was cut: \(socketText.prefix(80))")
        }
    }

    @Test func pastTheBoundTheAPIStillAnswers() async throws {
        let limits = ConnectionLimits(maxConnections: 4, maxConnectionsPerIP: 0, idleTimeout: .seconds(60), headTimeout: .seconds(60), bodyTimeout: .seconds(60))
        try await withAPIServer(connections: limits) { api async throws in
            var idle: [RawConnection] = []
            for _ in 0..<12 { idle.append(try await api.answeredThenIdle()) }
            for _ in 0..<3 {
                #expect(try await api.exchange("/v1/status", headers: [api.bearer]).status == 200)
            }
            _ = try await eventually(within: .seconds(30)) { idle.filter { !$0.isClosed }.count <= 4 }
            #expect(idle.filter { !$0.isClosed }.count <= 4)
        }
    }
}
