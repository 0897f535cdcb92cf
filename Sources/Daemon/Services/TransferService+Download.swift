import Connectivity
import DaemonWire
import FileTransfer
import Foundation
import Identity
import Swarm

/// Downloads: which file, from which device, and what happens when a source fails.
extension TransferService {
    /// Starts (or resumes) the download of the file `commit` offered and returns at once;
    /// progress comes as `transfer.progress` events, the end as a `transfer.state` event.
    public func download(_ commit: ObjectID, in conversation: ObjectID) async throws(DaemonError) -> API.FileTransfer {
        let (offer, _) = try await swarm.offer(at: commit, in: conversation)
        let key = Key(conversation: conversation, commit: commit)
        if Self.size(of: completePath(key)) == nil, active[key] == nil {
            try checkSpace(key, offer)
            start(key)
        }
        return try await info(commit, in: conversation)
    }

    /// Stops a download and deletes what arrived of it.
    public func cancel(_ commit: ObjectID, in conversation: ObjectID) async throws(DaemonError) {
        let (offer, _) = try await swarm.offer(at: commit, in: conversation)
        let key = Key(conversation: conversation, commit: commit)
        guard Self.size(of: completePath(key)) == nil else { throw DaemonError(.notAllowed, "the file is complete; nothing to cancel") }
        let running = active.removeValue(forKey: key)
        running?.stop()
        _ = await running?.task.withLock { $0 }?.value
        try? FileManager.default.removeItem(at: partPath(key))
        failures[key] = nil
        cancelled.insert(key)
        emitState(key, offer, .cancelled, bytes: 0)
    }

    /// Ends every download (the account goes offline): each stops reading, flushes what
    /// arrived to its part file and ends before this returns. Requests waiting to be served
    /// are refused.
    public func stopAll() async {
        await uploads.close()
        let running = active
        active = [:]
        for a in running.values { a.stop() }
        for a in running.values { _ = await a.task.withLock { $0 }?.value }
    }

    /// A file another account just offered: downloaded at once when small enough.
    public func offered(_ commit: ObjectID, in conversation: ObjectID, _ offer: FileOffer) {
        guard settings.autoDownloadLimit > 0, offer.size <= UInt64(settings.autoDownloadLimit) else { return }
        let key = Key(conversation: conversation, commit: commit)
        guard Self.size(of: completePath(key)) == nil, (try? checkSpace(key, offer)) != nil else { return }
        start(key)
    }

    /// A device of `account` came online: downloads waiting for a source try again now.
    public func deviceAppeared(of account: PublicKeyID) {
        for a in active.values { a.wakeups.add(1, ordering: .relaxed) }
    }

    func checkSpace(_ key: Key, _ offer: FileOffer) throws(DaemonError) {
        let have = Self.size(of: partPath(key)) ?? 0
        let needed = Int64(offer.size) - min(have, Int64(offer.size))
        let dir = directory(key.conversation)
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch { throw .storage("\(error)") }
        if let free = Self.freeSpace(at: dir), free < needed { throw DaemonError(.noSpace, "\(needed) bytes needed, \(free) free") }
    }

    func start(_ key: Key) {
        guard active[key] == nil else { return }
        failures[key] = nil
        cancelled.remove(key)
        let a = Active()
        active[key] = a
        let task = context.scheduler.spawn { [weak self] in
            guard let self else { return }
            let outcome = await self.run(key, a)
            await self.finished(key, a, outcome)
        }
        a.task.withLock { $0 = task }
    }

    enum Outcome: Sendable {
        case complete(FileOffer)
        case failed(FileOffer?, String)
        case stopped
    }

    /// Asks the sources in turn (those with a socket open first), each from the bytes already
    /// here, until one completes the file; when none can, waits (``Settings/retryDelays``, cut
    /// short when a member's device appears) and asks again. A checksum mismatch or a full
    /// disk ends it at once.
    func run(_ key: Key, _ a: Active) async -> Outcome {
        let offer: FileOffer
        do { offer = try await swarm.offer(at: key.commit, in: key.conversation).offer } catch { return .failed(nil, "\(error)") }
        let file = offer.fileID(commit: key.commit)
        emitState(key, offer, .waiting, bytes: Self.size(of: partPath(key)) ?? 0)
        var round = 0
        while !a.isStopped {
            var sources = (try? await swarm.sources(of: file, in: key.conversation)) ?? []
            // Devices we have a socket to first (a device that is away costs a 30 s wait for
            // its answer); among each, the offering device first, as `sources` gives them.
            var connected: [SwarmService.FileSource] = []
            for s in sources where await isConnected(s.device) { connected.append(s) }
            sources = connected + sources.filter { !connected.contains($0) }
            for source in sources where !a.isStopped {
                do {
                    try await fetch(key, offer, from: source, a)
                    return .complete(offer)
                } catch let error as TransferError where error == .checksumMismatch {
                    try? FileManager.default.removeItem(at: partPath(key))
                    return .failed(offer, "\(error)")
                } catch let error as DaemonError where error.code == .noSpace {
                    return .failed(offer, "\(error)")
                } catch {
                    a.ongoing.store(false, ordering: .relaxed)
                    context.logger.info("a file source failed", metadata: ["file": "\(file)", "device": "\(source.device)", "reason": "\(error)"])
                }
            }
            guard !a.isStopped else { break }
            guard round < settings.retryDelays.count else {
                return .failed(offer, sources.isEmpty ? "no member device has written in the conversation" : "no member device could send it")
            }
            emitState(key, offer, .waiting, bytes: a.bytes.load(ordering: .relaxed), detail: "retrying in \(settings.retryDelays[round])")
            await a.wait(settings.retryDelays[round], scheduler: context.scheduler)
            round += 1
        }
        return .stopped
    }

    func finished(_ key: Key, _ a: Active, _ outcome: Outcome) {
        guard active[key] === a else { return }  // cancelled meanwhile
        active[key] = nil
        switch outcome {
        case .complete(let offer):
            context.logger.info("downloaded a file", metadata: ["file": "\(offer.fileID(commit: key.commit))", "bytes": "\(offer.size)"])
            emitState(key, offer, .complete, bytes: Int64(offer.size))
        case .failed(let offer, let reason):
            failures[key] = reason
            context.logger.warning("a download failed", metadata: ["message": "\(key.commit)", "reason": "\(reason)"])
            if let offer { emitState(key, offer, .failed, bytes: Self.size(of: partPath(key)) ?? 0, detail: reason) }
        case .stopped:
            break
        }
    }
}
