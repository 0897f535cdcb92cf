import Swarm

/// A file's id in a conversation: `<commit>_<tid>`, plus `.<extension>` of the offered name
/// (jami-protocol §6). It names the file in `data-transfer://` channels, so what a peer sends
/// is parsed strictly: 40 hex, `_`, decimal digits, and a short extension without separators
/// or control bytes. It is never a path here: files are stored under their commit id.
public struct FileID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let commit: ObjectID
    public let tid: String
    public let `extension`: String?

    /// The longest extension taken from a name: jamid's `getFileExtension` gives none from 8
    /// bytes on.
    public static let maxExtension = 7

    public init(commit: ObjectID, tid: String, extension: String?) {
        self.commit = commit
        self.tid = tid
        self.extension = `extension`
    }

    public init(parsing text: some StringProtocol) throws(TransferError) {
        let utf8 = Array(text.utf8)
        guard utf8.count > 42, utf8.count <= 42 + 20 + 1 + Self.maxExtension, utf8[40] == UInt8(ascii: "_"),
              let commit = ObjectID(hex: String(decoding: utf8[..<40], as: UTF8.self)) else {
            throw .malformedRequest("file id \(String(text.prefix(80)))")
        }
        let rest = utf8[41...]
        let dot = rest.firstIndex(of: UInt8(ascii: "."))
        let tid = String(decoding: rest[..<(dot ?? rest.endIndex)], as: UTF8.self)
        guard FileOffer.isTID(tid) else { throw .malformedRequest("tid of \(String(text.prefix(80)))") }
        var ext: String?
        if let dot {
            let e = rest[(dot + 1)...]
            guard !e.isEmpty, e.count <= Self.maxExtension, e.allSatisfy(Self.isExtensionByte) else { throw .malformedRequest("extension of \(String(text.prefix(80)))") }
            ext = String(decoding: e, as: UTF8.self)
        }
        self.init(commit: commit, tid: tid, extension: ext)
    }

    public var description: String { "\(commit.hex)_\(tid)" + (self.extension.map { "." + $0 } ?? "") }

    /// The extension of `name` as jamid puts it in the id: what follows the last `.`, up to
    /// 7 bytes. One with a byte a channel name cannot carry (`/`, `?`, `&`, `\`, spaces,
    /// control bytes) is left out rather than escaped; jamid would put it in, so such a file
    /// is not found between us and jamid (never seen in practice: extensions are letters).
    public static func `extension`(of name: String) -> String? {
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let e = name.utf8[name.utf8.index(after: dot)...]
        guard !e.isEmpty, e.count <= maxExtension, e.allSatisfy(isExtensionByte) else { return nil }
        return String(decoding: Array(e), as: UTF8.self)
    }

    static func isExtensionByte(_ c: UInt8) -> Bool {
        c > 0x20 && c != 0x7F && ![UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "?"), UInt8(ascii: "&"), UInt8(ascii: "#")].contains(c)
    }

    public static func < (a: FileID, b: FileID) -> Bool { a.description < b.description }
}
