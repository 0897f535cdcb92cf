import AsyncAlgorithms
import Connectivity
import FileTransfer
import Foundation
import NIOCore
import Swarm
import _NIOFileSystem

/// One attempt at a download: one source, from the bytes already on disk to the end.
extension TransferService {
    /// Progress events are published at most this often.
    static let progressInterval = Duration.milliseconds(250)

    /// Asks `source` for the file from the bytes already in its `.part` file, appends what it
    /// sends, and when the offered size is reached checks the SHA3-512 and moves the part to
    /// its place. Throws when the source cannot be reached, refuses, stalls
    /// (``Settings/idleTimeout``) or stops early (the part is kept for the next one), on a
    /// checksum mismatch (the caller deletes it) and when the disk is full.
    ///
    /// The hash runs beside the transfer, on the other core: SHA3-512 (about 220 MiB/s here)
    /// would otherwise bound the transfer alone. At most one batch (1 MiB) waits for it.
    func fetch(_ key: Key, _ offer: FileOffer, from source: SwarmService.FileSource, _ a: Active) async throws {
        try checkSpace(key, offer)
        let part = partPath(key)
        var start = Self.size(of: part) ?? 0
        if start > Int64(offer.size) {
            context.logger.warning("a partial file was longer than its offer; starting again", metadata: ["message": "\(key.commit)"])
            try? FileManager.default.removeItem(at: part)
            start = 0
        }
        let writeOptions = OpenOptions.Write(existingFile: .open, newFile: .init(), followSymbolicLinks: false)
        let handle = try await FileSystem.shared.openFile(forReadingAndWritingAt: FilePath(part.path), options: writeOptions)
        var incoming = IncomingFile(offer, resumingAt: UInt64(start))
        let batches = AsyncChannel<[ByteBuffer]>()
        let hashing = Self.hash(prefixOf: part, length: start, then: batches)
        do {
            a.bytes.store(start, ordering: .relaxed)
            if !incoming.isComplete { try await receive(key, offer, from: source, a, into: handle, &incoming, hashing: batches) }
            try await handle.close()
        } catch {
            batches.finish()
            _ = try? await hashing.value
            try? await handle.close()
            throw Self.isDiskFull(error) ? DaemonError(.noSpace, "the disk is full") : error
        }
        batches.finish()
        try incoming.verify(sha3: try await hashing.value)
        do { try FileManager.default.moveItem(at: part, to: completePath(key)) } catch { throw DaemonError.storage("\(error)") }
    }

    /// SHA3-512 of the first `length` bytes of `path` (an earlier attempt's), then of every
    /// batch sent on `batches` until it finishes, on a task of its own.
    static func hash(prefixOf path: URL, length: Int64, then batches: AsyncChannel<[ByteBuffer]>) -> Task<String, any Error> {
        Task.detached {
            let hasher = FileHasher()
            if length > 0 {
                let h = try await FileSystem.shared.openFile(forReadingAt: FilePath(path.path), options: OpenOptions.Read(followSymbolicLinks: false))
                do {
                    for try await chunk in h.readChunks(in: 0..<length, chunkLength: .bytes(Int64(readChunk))) {
                        chunk.withUnsafeReadableBytes { hasher.update($0) }
                    }
                } catch {
                    try? await h.close()
                    throw error
                }
                try? await h.close()
            }
            for await batch in batches {
                for b in batch { b.withUnsafeReadableBytes { hasher.update($0) } }
            }
            return hasher.finalize()
        }
    }

    /// Reads the source's channel into the file until the offered size (or the channel's end).
    private func receive(_ key: Key, _ offer: FileOffer, from source: SwarmService.FileSource, _ a: Active,
                         into handle: ReadWriteFileHandle, _ incoming: inout IncomingFile, hashing: AsyncChannel<[ByteBuffer]>) async throws {
        let request = TransferRequest(conversation: key.conversation, device: context.device.longID.hex,
                                      file: offer.fileID(commit: key.commit), start: incoming.received)
        let socket = try await connect(source.device)
        let channel = try await socket.open(request.channelName)
        a.channel.withLock { $0 = channel }
        defer {
            a.channel.withLock { $0 = nil }
            channel.close()
        }
        if a.isStopped { return }
        a.ongoing.store(true, ordering: .relaxed)
        context.logger.info("downloading a file", metadata: ["channel": "\(request.channelName.prefix(160))", "from": "\(source.device)", "start": "\(request.start)"])
        emitState(key, offer, .ongoing, bytes: Int64(incoming.received), detail: "from \(source.device)")
        let watchdog = idleWatchdog(a, channel)
        defer { watchdog.cancel() }
        var writer = handle.bufferedWriter(startingAtAbsoluteOffset: Int64(incoming.received), capacity: .bytes(Int64(Self.readChunk)))
        var batch: [ByteBuffer] = [], batched = 0
        var lastEvent = ContinuousClock.now
        do {
            for try await buffer in channel.inbound {
                let take = incoming.acceptable(buffer.readableBytes)
                let b = take < buffer.readableBytes ? buffer.getSlice(at: buffer.readerIndex, length: take)! : buffer
                try incoming.receive(b.readableBytes)
                _ = try await writer.write(contentsOf: b)
                batch.append(b)
                batched += b.readableBytes
                if batched >= Self.readChunk {
                    await hashing.send(batch)
                    (batch, batched) = ([], 0)
                }
                a.bytes.store(Int64(incoming.received), ordering: .relaxed)
                if take < buffer.readableBytes {
                    context.logger.warning("a source sent more than the offered size; cut off", metadata: ["device": "\(source.device)", "size": "\(offer.size)"])
                    break
                }
                if incoming.isComplete { break }
                if ContinuousClock.now - lastEvent >= Self.progressInterval {
                    lastEvent = .now
                    emitProgress(key, offer, bytes: Int64(incoming.received))
                }
            }
        } catch {
            // What arrived is kept (and hashed): the next attempt starts after it.
            try? await writer.flush()
            if !batch.isEmpty { await hashing.send(batch) }
            throw error
        }
        try await writer.flush()
        if !batch.isEmpty { await hashing.send(batch) }
        if !incoming.isComplete {
            throw TransferError.tooShort(received: incoming.received, expected: incoming.expected)
        }
        emitProgress(key, offer, bytes: Int64(incoming.received))
    }

    /// Closes `channel` when no byte arrived for ``Settings/idleTimeout``: a source that goes
    /// silent gives way to the next.
    private func idleWatchdog(_ a: Active, _ channel: PeerChannel) -> Task<Void, Never> {
        let (scheduler, timeout, logger) = (context.scheduler, settings.idleTimeout, context.logger)
        return scheduler.spawn {
            var last = a.bytes.load(ordering: .relaxed)
            while (try? await scheduler.sleep(for: timeout)) != nil {
                let now = a.bytes.load(ordering: .relaxed)
                if now == last {
                    logger.info("a file source went silent; closing its channel", metadata: ["channel": "\(channel.name.prefix(160))"])
                    channel.close()
                    return
                }
                last = now
            }
        }
    }

    func emitProgress(_ key: Key, _ offer: FileOffer, bytes: Int64) {
        context.emit(.transferProgress) { e in
            e.conversationId = key.conversation.hex
            e.fileId = offer.fileID(commit: key.commit).description
            e.bytes = bytes
            e.total = Int64(offer.size)
        }
    }
}
