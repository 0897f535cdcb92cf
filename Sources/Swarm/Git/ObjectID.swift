import CGit2
import Identity

/// A git object id (SHA-1, 20 bytes): commits, trees, blobs. A conversation's id is its root
/// commit's.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let bytes: [UInt8]

    /// 40 hex characters (either case); nil otherwise.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 40, let b = Hex.decode(hex) else { return nil }
        bytes = b
    }

    init(_ oid: git_oid) {
        var o = oid
        bytes = withUnsafeBytes(of: &o.id) { Array($0) }
    }

    var oid: git_oid {
        var o = git_oid()
        withUnsafeMutableBytes(of: &o.id) { $0.copyBytes(from: bytes) }
        return o
    }

    /// 40 lower-case hex characters.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func < (a: ObjectID, b: ObjectID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}
