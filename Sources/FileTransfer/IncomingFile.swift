/// The receiving side of one transfer: counts the bytes against the offered size, so the file
/// can be declared complete only when the count and then the checksum match the offer. No
/// I/O and no hashing here: the daemon hashes on another core while bytes arrive
/// (``FileHasher``) and gives the digest to ``verify(sha3:)``.
public struct IncomingFile: Sendable {
    public let expected: UInt64
    let checksum: String
    public private(set) var received: UInt64 = 0

    public init(_ offer: FileOffer, resumingAt start: UInt64 = 0) {
        expected = offer.size
        checksum = offer.sha3
        received = min(start, offer.size)
    }

    /// How many of `count` more bytes may be taken: all of them, or, from a peer that sends
    /// past the offered size, what is left (the caller cuts it off after those).
    public func acceptable(_ count: Int) -> Int { Int(min(UInt64(count), expected - received)) }

    /// Counts bytes from the peer; throws (counting none) when they go past the offered size.
    public mutating func receive(_ count: Int) throws(TransferError) {
        guard UInt64(count) <= expected - received else { throw .tooLong(expected: expected) }
        received += UInt64(count)
    }

    public var isComplete: Bool { received == expected }

    /// At the end of the stream: the size, then `sha3` (of every byte, those of earlier
    /// attempts included) against the offer's.
    public func verify(sha3: String) throws(TransferError) {
        guard isComplete else { throw .tooShort(received: received, expected: expected) }
        guard sha3 == checksum else { throw .checksumMismatch }
    }

    /// Lower-case hex, as Jami writes `sha3sum`.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
