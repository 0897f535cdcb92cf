import Connectivity
import Contacts
import Foundation
import Identity
import NIOCore
import SIP

/// Instant messages over `sip` channels, as jamid 13.7 sends them to a device it has a socket
/// to: one SIP MESSAGE per payload, answered 200 at once, de-duplicated by `Message-ID`. A
/// channel is kept per device and used both ways; calls (INVITE) are declined until calls exist.
///
/// The sender is the channel's peer (its certificate chain was checked when the socket came
/// up), never the MESSAGE's `From` header, which anyone can write (jamid 2023 trusts it).
public actor SIPChannels {
    public static let channelName = "sip"
    /// Message-IDs remembered for de-duplication.
    static let remembered = 1024

    public typealias Handler = @Sendable (ImMessage, _ account: PublicKeyID, _ device: PublicKeyID) async -> Void

    let context: AccountContext
    let connections: Connections
    let handler: Handler
    var channels: [PublicKeyID: PeerChannel] = [:]
    var seenOrder: [String] = []
    var seen: Set<String> = []

    public init(context: AccountContext, connections: Connections, handler: @escaping Handler) {
        self.context = context
        self.connections = connections
        self.handler = handler
    }

    /// Sends `message` to `device` over a `sip` channel, opening one on an open socket if
    /// there is none; false when no socket to it is open (the caller then uses the DHT).
    public func send(_ message: ImMessage, to device: PublicKeyID, account: PublicKeyID) async -> Bool {
        let channel: PeerChannel
        if let c = channels[device] {
            channel = c
        } else {
            guard let socket = await connections.openSocket(device), let opened = try? await socket.open(Self.channelName) else { return false }
            let peer = Connections.PeerDevice(account: account, device: device)
            adopt(opened, of: peer)
            context.scheduler.spawn { [weak self] in await self?.read(opened, from: peer) }
            channel = opened
        }
        let sip = SIPMessage.instantMessage(from: context.account.hex, to: account.hex, displayName: nil, contentType: message.datatype,
                                            body: message.body, messageID: String(message.id), token: context.scheduler.randomID(),
                                            date: Self.httpDate(context.scheduler.unixSeconds))
        do {
            try await channel.write(ByteBuffer(bytes: sip.encoded()))
            return true
        } catch {
            forget(channel, of: device)
            return false
        }
    }

    /// A `sip` channel a peer opened.
    public nonisolated func serve(_ channel: PeerChannel, from peer: Connections.PeerDevice) async {
        await adopt(channel, of: peer)
        await read(channel, from: peer)
    }

    func adopt(_ channel: PeerChannel, of peer: Connections.PeerDevice) {
        channels[peer.device] = channel
    }

    func forget(_ channel: PeerChannel, of device: PublicKeyID) {
        if channels[device] === channel { channels[device] = nil }
        channel.close()
    }

    /// Reads requests until the channel ends or sends what is not SIP.
    func read(_ channel: PeerChannel, from peer: Connections.PeerDevice) async {
        var parser = SIPStreamParser()
        do {
            for try await buffer in channel.inbound {
                for message in try parser.feed(Array(buffer.readableBytesView)) {
                    if let answer = await handle(message, from: peer) { try await channel.write(ByteBuffer(bytes: answer.encoded())) }
                }
            }
        } catch {
            context.logger.info("a sip channel ended", metadata: ["device": "\(peer.device)", "reason": "\(error)"])
        }
        forget(channel, of: peer.device)
    }

    /// The answer to one message (nil for responses), and the instant message handed on.
    func handle(_ message: SIPMessage, from peer: Connections.PeerDevice) async -> SIPMessage? {
        guard let method = message.method else { return nil }
        let tag = String(context.scheduler.randomID(), radix: 16)
        switch method {
        case "MESSAGE":
            let id = message["message-id"] ?? message["imdn.message-id"] ?? ""
            if !id.isEmpty {
                if !seen.insert(id).inserted { return message.response(200, "OK", tag: tag) }
                seenOrder.append(id)
                if seenOrder.count > Self.remembered { seen.remove(seenOrder.removeFirst()) }
            }
            if let type = message.contentType, let body = String(validating: message.body, as: UTF8.self) {
                let im = ImMessage(id: UInt64(id, radix: 16) ?? UInt64(truncatingIfNeeded: id.hashValue), body: body, datatype: type,
                                   date: context.scheduler.unixSeconds)
                let handler = handler
                context.scheduler.spawn { await handler(im, peer.account, peer.device) }
            }
            return message.response(200, "OK", tag: tag)
        case "OPTIONS":
            return message.response(200, "OK", tag: tag)
        case "INVITE":
            return message.response(603, "Decline", tag: tag)
        case "ACK":
            return nil
        default:
            return message.response(405, "Method Not Allowed", tag: tag)
        }
    }

    /// RFC 7231's date, as SIP's `Date` header wants it.
    static func httpDate(_ seconds: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
