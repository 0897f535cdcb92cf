import Connectivity
import FileTransfer
import Foundation
import NIOCore
import Scheduling
import _NIOFileSystem

/// Serving `data-transfer://` channels: a member's device asks for a file we have.
extension TransferService {
    /// How much is read from the file per channel write; the multiplexer cuts it into frames
    /// of at most 65535 bytes (§6.5).
    static let readChunk = 1 << 20

    /// Streams the requested range of a complete file to a member's device, then closes the
    /// channel (that end is how the receiver knows the range is over). Anything else is
    /// refused with a logged reason: a name that does not parse, a device id that is not the
    /// peer's, a non-member, a commit that offered no such file, a file we do not have whole,
    /// too many files served and waiting already (``UploadSlots``).
    public nonisolated func serve(_ channel: PeerChannel, from peer: Connections.PeerDevice) async {
        do {
            let (path, range) = try await servable(channel.name, to: peer)
            try await uploads.take(for: peer.account)
            let sent: UInt64
            do {
                sent = try await Self.stream(path, range, to: channel, rate: settings.uploadRateLimit, scheduler: context.scheduler)
            } catch {
                await uploads.release(of: peer.account)
                throw error
            }
            await uploads.release(of: peer.account)
            context.logger.info("served a file", metadata: ["channel": "\(channel.name.prefix(160))", "bytes": "\(sent)", "to": "\(peer.device)"])
        } catch {
            context.logger.info("refused or ended a file transfer", metadata: ["channel": "\(channel.name.prefix(160))", "from": "\(peer.device)", "reason": "\(error)"])
        }
        channel.close()
    }

    /// What `name` asks for and whether `peer` may have it: the complete file and the range.
    func servable(_ name: String, to peer: Connections.PeerDevice) async throws -> (URL, Range<UInt64>) {
        let request = try TransferRequest(parsing: name)
        guard let long = peer.long, request.device == long.hex else { throw TransferError.malformedRequest("the device in the name is not the peer's") }
        guard await swarm.isMember(peer.account, of: request.conversation) else { throw DaemonError(.notAllowed, "\(peer.account) is not a member") }
        let (offer, _) = try await swarm.offer(at: request.file.commit, in: request.conversation)
        guard offer.tid == request.file.tid else { throw TransferError.malformedRequest("tid \(request.file.tid) is not the commit's") }
        let key = Key(conversation: request.conversation, commit: request.file.commit)
        let path = completePath(key)
        guard let size = Self.size(of: path), UInt64(size) == offer.size else { throw DaemonError(.noSuchFile, "\(request.file) is not here") }
        return (path, request.range(in: offer.size))
    }

    /// Writes `range` of the file at `path` to `channel`; returns the bytes sent. The file is
    /// opened without following links, so a link put in the folder cannot serve another file.
    static func stream(_ path: URL, _ range: Range<UInt64>, to channel: PeerChannel, rate: Int64, scheduler: Scheduler) async throws -> UInt64 {
        guard !range.isEmpty else { return 0 }
        let handle = try await FileSystem.shared.openFile(forReadingAt: FilePath(path.path), options: OpenOptions.Read(followSymbolicLinks: false))
        var sent: UInt64 = 0
        // With a rate, chunks are smaller (a tenth of a second each) and each waits its turn.
        let chunkLength = rate > 0 ? max(1024, min(Int64(readChunk), rate / 10)) : Int64(readChunk)
        let started = ContinuousClock.now
        do {
            for try await chunk in handle.readChunks(in: Int64(range.lowerBound)..<Int64(range.upperBound), chunkLength: .bytes(chunkLength)) {
                try await channel.write(chunk)
                sent += UInt64(chunk.readableBytes)
                if rate > 0 {
                    let due = started + .milliseconds(Int64(sent) * 1000 / rate)
                    let now = ContinuousClock.now
                    if due > now { try await scheduler.sleep(for: due - now) }
                }
            }
        } catch {
            try? await handle.close()
            throw error
        }
        try? await handle.close()
        return sent
    }
}
