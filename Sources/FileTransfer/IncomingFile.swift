/// The receiving side of one transfer: counts the bytes against the offered size and hashes
/// them, so the file can be declared complete only when both match the offer. No I/O: the
/// daemon writes what ``receive(_:)`` accepts and feeds a resumed file's existing bytes to
/// ``absorb(_:)`` first.
///
/// Hashing is O(n) in the bytes and runs as they arrive, so a complete file needs no second
/// pass over the disk (jamid hashes the whole file again at the end).
public struct IncomingFile: ~Copyable {
    public let expected: UInt64
    let checksum: String
    public private(set) var received: UInt64 = 0
    private let hasher = FileHasher()

    public init(_ offer: FileOffer) {
        expected = offer.size
        checksum = offer.sha3
    }

    /// Bytes already on disk from an earlier attempt (they count as received).
    public mutating func absorb(_ bytes: UnsafeRawBufferPointer) throws(TransferError) {
        try receive(bytes)
    }

    /// Takes bytes from the peer; throws (taking none) when they go past the offered size.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) throws(TransferError) {
        guard UInt64(bytes.count) <= expected - received else { throw .tooLong(expected: expected) }
        hasher.update(bytes)
        received += UInt64(bytes.count)
    }

    public var isComplete: Bool { received == expected }

    /// At the end of the stream: the size and then the checksum.
    public func verify() throws(TransferError) {
        guard isComplete else { throw .tooShort(received: received, expected: expected) }
        guard hasher.finalize() == checksum else { throw .checksumMismatch }
    }

    /// Lower-case hex, as Jami writes `sha3sum`.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
