import Connectivity
import Foundation
import Identity
import Logging
import NIOCore

/// Resident memory per open socket end and per open channel end (both ends live in this
/// process, so each delta is halved).
enum Memory {
    static func measure(_ a: DeviceIdentity, _ b: DeviceIdentity, sockets: Int, channels: Int, logger: Logger) async throws -> (perSocket: Double, perChannel: Double) {
        // One pair first, so one-time costs (contexts, loops, caches) are not counted.
        let warm = try await SocketPair.make(a, b, logger: logger)
        try await Task.sleep(for: .milliseconds(200))
        let before = residentKiB()
        var pairs: [SocketPair] = []
        for _ in 0..<sockets { pairs.append(try await SocketPair.make(a, b, logger: logger)) }
        try await Task.sleep(for: .milliseconds(500))
        let perSocket = (residentKiB() - before) / Double(2 * sockets)

        let beforeChannels = residentKiB()
        var opened: [PeerChannel] = []
        var incoming = warm.responder.incoming.makeAsyncIterator()
        var accepted: [PeerChannel] = []
        for i in 0..<channels {
            opened.append(try await warm.requester.open("memory/\(i)"))
            if let c = await incoming.next() { accepted.append(c) }
        }
        try await Task.sleep(for: .milliseconds(500))
        let perChannel = (residentKiB() - beforeChannels) / Double(2 * channels)
        for c in opened { c.close() }
        for p in pairs { p.close() }
        warm.close()
        _ = accepted.count
        return (perSocket, perChannel)
    }
}
