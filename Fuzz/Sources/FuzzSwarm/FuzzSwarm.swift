import Foundation
import Swarm

/// libFuzzer entry for what swarm sync parses from peers, chosen by the first byte: pkt-line
/// streams (fed in pieces), commit messages (which must re-encode to themselves), the
/// upload-pack server and client fed a peer's bytes, and packs handed to libgit2's indexer.
/// Each must succeed or fail with a typed error; nothing may trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSwarm(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 5 {
    case 0:
        var reader = PktLineReader()
        var rest = bytes[...]
        while !rest.isEmpty {
            let n = Int(rest.first!) % 16 + 1
            reader.append(rest.prefix(n))
            rest = rest.dropFirst(n)
            while let line = try? reader.next() { _ = line.text }
        }
        precondition(reader.bufferedBytes <= bytes.count)
    case 1:
        if let m = try? CommitMessage(parsing: String(decoding: bytes, as: UTF8.self)) {
            precondition((try? CommitMessage(parsing: m.json)) == m)
        }
    case 2:
        var server = UploadPackServer(conversation: FixedSource.conversation)
        var rest = bytes[...]
        while !rest.isEmpty {
            let n = Int(rest.first!) % 64 + 1
            guard let out = try? server.receive(Array(rest.prefix(n)), from: FixedSource()) else { break }
            precondition(out.allSatisfy { $0.count <= 65_535 })
            rest = rest.dropFirst(n)
        }
    case 3:
        var client = UploadPackClient(conversation: FixedSource.conversation, host: String(repeating: "a", count: 64), haves: [FixedSource.conversation], packLimit: 1 << 16)
        _ = try? client.receive(bytes)
    default:
        _ = try? Scratch.repository.store(pack: bytes)
    }
    return 0
}

/// A repository stand-in for the server: one tip, a tiny fixed "pack".
struct FixedSource: UploadPackSource {
    static let conversation = ObjectID(hex: String(repeating: "ab", count: 20))!
    var mainTip: ObjectID? { Self.conversation }
    func contains(_ id: ObjectID) -> Bool { id == Self.conversation }
    func pack(wants: [ObjectID], haves: [ObjectID], limit: Int) throws(SwarmError) -> [UInt8] { Array("PACK".utf8) + Array(repeating: 0, count: 300) }
}

/// One empty bare repository for the indexer cases.
enum Scratch {
    nonisolated(unsafe) static let repository: GitRepository = {
        // Safe: libFuzzer calls the entry point from one thread.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-swarm-\(getpid())").path
        return try! GitRepository.create(at: path)
    }()
}
