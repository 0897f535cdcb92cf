import AsyncAlgorithms
import FileTransfer
import Foundation
import NIOCore
import Swarm
import _NIOFileSystem

/// Offering a file: a copy in our folder, hashed as it is copied, then the offer commit.
extension TransferService {
    /// A copy of a file to offer, in the conversation's folder under a staging name, and the
    /// offer that describes it.
    public struct Staged: Sendable {
        let url: URL
        public let offer: FileOffer
    }

    /// Copies the file at `path` into `conversation`'s folder while computing its SHA3-512
    /// (one pass over the bytes, the hash on the other core), after checking there is room. The offer names what
    /// was copied, so a later change of the original changes nothing that was offered.
    public nonisolated func stage(_ path: String, name: String?, in conversation: ObjectID) async throws(DaemonError) -> Staged {
        guard path.hasPrefix("/") else { throw .invalid("the file's path must be absolute: \(path.prefix(200))") }
        guard let size = Self.regularFileSize(path) else { throw DaemonError(.noSuchFile, "no readable file at \(path.prefix(200))") }
        let dir = directory(conversation)
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch { throw .storage("\(error)") }
        if let free = Self.freeSpace(at: dir), free < size { throw DaemonError(.noSpace, "\(size) bytes needed, \(free) free") }
        let url = dir.appendingPathComponent(".staging-\(context.scheduler.randomID())")
        // The hash runs beside the copy, on the other core, over exactly the bytes written.
        let batches = AsyncChannel<[ByteBuffer]>()
        let hashing = Self.hash(prefixOf: url, length: 0, then: batches)
        var copied: Int64 = 0
        let sha3: String
        do {
            let source = try await FileSystem.shared.openFile(forReadingAt: FilePath(path), options: OpenOptions.Read())
            let target = try await FileSystem.shared.openFile(forWritingAt: FilePath(url.path), options: .newFile(replaceExisting: false))
            do {
                var writer = target.bufferedWriter(capacity: .bytes(Int64(Self.readChunk)))
                for try await chunk in source.readChunks(in: 0..<size, chunkLength: .bytes(Int64(Self.readChunk))) {
                    await batches.send([chunk])
                    copied += Int64(try await writer.write(contentsOf: chunk))
                }
                try await writer.flush()
                try await target.close()
                try await source.close()
            } catch {
                try? await target.close(makeChangesVisible: false)
                try? await source.close()
                throw error
            }
            batches.finish()
            sha3 = try await hashing.value
        } catch {
            batches.finish()
            _ = try? await hashing.value
            try? FileManager.default.removeItem(at: url)
            if Self.isDiskFull(error) { throw DaemonError(.noSpace, "copying \(path.prefix(200)): the disk is full") }
            throw .storage("copying \(path.prefix(200)): \(error)")
        }
        guard copied == size else {
            try? FileManager.default.removeItem(at: url)
            throw .invalid("\(path.prefix(200)) changed while it was copied")
        }
        let shown = name.flatMap { $0.isEmpty ? nil : $0 } ?? URL(fileURLWithPath: path).lastPathComponent
        return Staged(url: url, offer: FileOffer(tid: FileOffer.newTID(), displayName: shown, size: UInt64(size), sha3: sha3))
    }

    /// Gives the staged copy its place once `commit` offered it; it is served from then on.
    public func place(_ staged: Staged, commit: ObjectID, in conversation: ObjectID) throws(DaemonError) {
        let key = Key(conversation: conversation, commit: commit)
        do { try FileManager.default.moveItem(at: staged.url, to: completePath(key)) } catch { throw .storage("\(error)") }
        emitState(key, staged.offer, .complete, bytes: Int64(staged.offer.size))
    }

    /// Removes a staged copy that no commit offered (the commit failed).
    public nonisolated func discard(_ staged: Staged) { try? FileManager.default.removeItem(at: staged.url) }

    /// Whether a file system error was ENOSPC or EDQUOT.
    static func isDiskFull(_ error: any Error) -> Bool {
        guard let cause = (error as? FileSystemError)?.cause as? FileSystemError.SystemCallError else { return false }
        return cause.errno == .noSpace || cause.errno == .diskQuotaExceeded
    }

    /// The size of the regular file at `path` (links followed: the user named it), nil when
    /// there is none.
    static func regularFileSize(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(path, R_OK) == 0 else { return nil }
        return Int64(st.st_size)
    }
}
