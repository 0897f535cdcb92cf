import Connectivity
import Foundation
import Identity
import NIOCore
import Swarm

/// Conversations over `git://` channels: serving ours, fetching theirs.
extension SwarmService {
    public static let channelPrefix = "git://"
    /// How long one fetch may take (a 256 MiB pack at a few MiB/s fits).
    public static let fetchDeadline = Duration.seconds(300)

    /// Serves one `git://<our device>/<conversation>` channel: upload-pack sessions, one after
    /// another, to a device of an account that is a member (or invited) of it.
    public nonisolated func serve(_ channel: PeerChannel, from peer: Connections.PeerDevice) async {
        let parts = channel.name.dropFirst(Self.channelPrefix.count).split(separator: "/")
        guard parts.count == 2, parts[0] == context.device.longID.hex, let conversation = ObjectID(hex: parts[1]),
              await mayFetch(peer.account, conversation) else {
            context.logger.info("refused a git channel", metadata: ["channel": "\(channel.name.prefix(140))", "account": "\(peer.account)"])
            channel.close()
            return
        }
        var server = UploadPackServer(conversation: conversation)
        do {
            for try await buffer in channel.inbound {
                for chunk in try await answer(&server, Array(buffer.readableBytesView), for: peer.account) {
                    try await channel.write(ByteBuffer(bytes: chunk))
                }
            }
        } catch {
            context.logger.info("a git session ended", metadata: ["conversation": "\(conversation)", "reason": "\(error)"])
        }
        channel.close()
    }

    func answer(_ server: inout UploadPackServer, _ bytes: [UInt8], for account: PublicKeyID) throws(DaemonError) -> [[UInt8]] {
        let r = try repository(server.conversation)
        let before = server.served.count
        let out: [[UInt8]]
        do { out = try server.receive(bytes, from: r.git) } catch { throw .invalid("\(error)") }
        if server.served.count > before { fetched(Array(server.served[before...]), by: account, in: server.conversation) }
        return out
    }

    /// Fetches `conversation` from `device` (its long id `deviceID`) over `socket`: a clone when
    /// we do not have it yet, else the new commits, validated, then merged. Returns `main` after.
    public nonisolated func fetch(_ conversation: ObjectID, from deviceID: DeviceLongID, over socket: PeerSocket) async throws(DaemonError) -> ObjectID {
        let haves = await currentHead(conversation).map { [$0] } ?? []
        let channel: PeerChannel
        do { channel = try await socket.open("\(Self.channelPrefix)\(deviceID.hex)/\(conversation.hex)") } catch { throw DaemonError(.connectionFailed, "\(error)") }
        defer { channel.close() }
        // A peer that stops answering mid-session must not hold the fetch: the channel is
        // closed after the deadline, which ends the read below.
        let watchdog = channel.closing(after: Self.fetchDeadline, on: context.scheduler)
        defer { watchdog.cancel() }
        var client = UploadPackClient(conversation: conversation, host: deviceID.hex, haves: haves)
        var result: (tip: ObjectID, pack: [UInt8])?
        do {
            try await channel.write(ByteBuffer(bytes: client.request))
            reading: for try await buffer in channel.inbound {
                for step in try client.receive(Array(buffer.readableBytesView)) {
                    switch step {
                    case .send(let bytes): try await channel.write(ByteBuffer(bytes: bytes))
                    case .finished(let tip, let pack):
                        result = (tip, pack)
                        break reading
                    }
                }
            }
        } catch {
            throw DaemonError(.connectionFailed, "fetching \(conversation): \(error)")
        }
        guard let result else { throw DaemonError(.connectionFailed, "the peer ended the git session early") }
        return try await take(result.tip, result.pack, of: conversation, from: deviceID.hex)
    }

    func currentHead(_ conversation: ObjectID) -> ObjectID? { try? repository(conversation).head }

    func take(_ tip: ObjectID, _ pack: [UInt8], of conversation: ObjectID, from device: String) throws(DaemonError) -> ObjectID {
        do {
            if let r = try? repository(conversation) {
                let head = try r.integrate(tip: tip, pack: pack, from: device, by: author, at: now).head
                indexed(conversation)
                return head
            }
            let r = try ConversationRepository.clone(conversation, tip: tip, pack: pack, into: folder)
            repositories[conversation] = r
            indexed(conversation, publishing: false)
            context.emit(.conversationChanged) { $0.conversationId = conversation.hex; $0.state = "cloned" }
            return try r.head
        } catch {
            context.logger.warning("refused a fetched history", metadata: ["conversation": "\(conversation)", "from": "\(device.prefix(12))", "reason": "\(error)"])
            throw .invalid("\(error)")
        }
    }
}
