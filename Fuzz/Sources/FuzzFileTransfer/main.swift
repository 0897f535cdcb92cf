import FileTransfer
import Swarm

/// libFuzzer entry for what a peer controls in a file transfer: the `data-transfer://` channel
/// name a device asks for, file ids, offer commits, and the byte stream a source sends. The
/// first byte picks which; whatever parses must give itself back from what we would write.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFileTransfer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let text = String(decoding: bytes, as: UTF8.self)
    switch data[0] % 4 {
    case 0:
        if let id = try? FileID(parsing: text) {
            precondition((try? FileID(parsing: id.description)) == id)
            precondition(!id.description.contains("/") && !id.description.contains("?"))
        }
    case 1:
        if let r = try? TransferRequest(parsing: text) {
            precondition((try? TransferRequest(parsing: r.channelName))?.start == r.start)
            for total in [UInt64(0), 1, 65535, r.start, r.end ?? 7, UInt64.max] {
                let range = r.range(in: total)
                precondition(range.upperBound <= total && range.lowerBound <= range.upperBound)
            }
        }
    case 2:
        if let m = try? CommitMessage(parsing: text), let offer = try? FileOffer(m) {
            precondition((try? FileOffer(CommitMessage(parsing: offer.message.json))) == offer)
            _ = offer.fileID(commit: ObjectID(hex: String(repeating: "0", count: 40))!)
        }
    default:
        // A stream cut in pieces against an offer whose size the next two bytes choose.
        guard bytes.count > 2 else { return 0 }
        let offered = UInt64(bytes[0]) << 8 | UInt64(bytes[1])
        var file = IncomingFile(FileOffer(tid: "1", displayName: "f", size: offered, sha3: String(repeating: "0", count: 128)))
        let hasher = FileHasher()
        let stream = bytes[2...]
        var i = stream.startIndex
        while i < stream.endIndex {
            let n = min(Int(stream[i]) % 97 + 1, stream.endIndex - i)
            let before = file.received
            let take = file.acceptable(n)
            do {
                try file.receive(n)
            } catch {
                precondition(file.received == before && before + UInt64(n) > offered && take < n)
            }
            stream[i..<(i + take)].withUnsafeBytes { hasher.update($0) }
            precondition(file.received <= offered)
            i += n
        }
        _ = try? file.verify(sha3: hasher.finalize())
    }
    return 0
}
