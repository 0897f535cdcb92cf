import Swarm

/// The name of a `data-transfer://` channel: which file of which conversation a device asks
/// for, and from which byte (jami-protocol §6):
///
/// ```
/// data-transfer://<conversation>/<requesting device, 64 hex>/<file id>[?start=N[&end=M]]
/// ```
///
/// jamid serves `[start, end)` but loops on empty frames when `end` is given (§10.22), so we
/// never send `end`; we read it when a peer sends it.
public struct TransferRequest: Sendable, Equatable {
    public static let prefix = "data-transfer://"

    public var conversation: ObjectID
    /// The requesting device's long id (64 hex), lower case.
    public var device: String
    public var file: FileID
    public var start: UInt64
    /// The end of the range (exclusive); nil or 0 for the end of the file.
    public var end: UInt64?

    public init(conversation: ObjectID, device: String, file: FileID, start: UInt64 = 0, end: UInt64? = nil) {
        self.conversation = conversation
        self.device = device
        self.file = file
        self.start = start
        self.end = end
    }

    public init(parsing name: String) throws(TransferError) {
        guard name.hasPrefix(Self.prefix), name.utf8.count <= 512 else { throw .malformedRequest("not a data-transfer channel") }
        let rest = name.dropFirst(Self.prefix.count)
        let (path, query) = rest.firstIndex(of: "?").map { (rest[..<$0], rest[rest.index(after: $0)...]) } ?? (rest, nil)
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let conversation = ObjectID(hex: String(parts[0]).lowercased()) else {
            throw .malformedRequest("path \(String(path.prefix(80)))")
        }
        let device = parts[1].lowercased()
        guard device.utf8.count == 64, device.utf8.allSatisfy(FileOffer.isHexDigit) else { throw .malformedRequest("device \(String(parts[1].prefix(80)))") }
        self.init(conversation: conversation, device: device, file: try FileID(parsing: parts[2]))
        for item in query?.split(separator: "&") ?? [] {
            let kv = item.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let value = UInt64(kv[1]) else { throw .malformedRequest("query \(String(item.prefix(40)))") }
            switch kv[0] {
            case "start": start = value
            case "end": end = value == 0 ? nil : value
            default: continue  // newer peers may add items; unknown ones change nothing here
            }
        }
        if let end, end < start { throw .malformedRequest("range \(start)-\(end)") }
    }

    public var channelName: String {
        var name = "\(Self.prefix)\(conversation.hex)/\(device)/\(file)"
        if start > 0 { name += "?start=\(start)" }
        if let end { name += (start > 0 ? "&" : "?") + "end=\(end)" }
        return name
    }

    /// The bytes to send for a file of `size` bytes: `[start, min(end, size))`, empty when the
    /// start is past the end.
    public func range(in size: UInt64) -> Range<UInt64> {
        let upper = min(end ?? size, size)
        return min(start, upper)..<upper
    }
}
