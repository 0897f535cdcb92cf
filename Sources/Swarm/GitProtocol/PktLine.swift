/// Git's pkt-line framing (protocol v0/v1): four hex digits of length (the four included), then
/// the data; `0000` is a flush. Sans-I/O: bytes in, lines out.
public enum PktLine: Sendable, Equatable {
    case data([UInt8])
    case flush

    /// The longest pkt-line git allows (length digits included).
    public static let maxLength = 65_520
    /// Pack bytes per side-band-64k line (one byte of it is the band).
    public static let maxSideBandData = maxLength - 5

    public var encoded: [UInt8] {
        switch self {
        case .flush: return Array("0000".utf8)
        case .data(let bytes):
            let n = bytes.count + 4
            let digits = Array("0123456789abcdef".utf8)
            return [digits[n >> 12 & 15], digits[n >> 8 & 15], digits[n >> 4 & 15], digits[n & 15]] + bytes
        }
    }

    public static func text(_ s: String) -> PktLine { .data(Array(s.utf8)) }

    /// The line as text without its final newline (what git compares).
    public var text: String? {
        guard case .data(let b) = self else { return nil }
        return String(decoding: b.last == 0x0A ? b.dropLast() : b[...], as: UTF8.self)
    }
}

public enum PktLineError: Error, Sendable, Equatable {
    case badLength(String)
}

/// Cuts pkt-lines out of a byte stream; bounded by one line.
public struct PktLineReader: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public var bufferedBytes: Int { buffer.count - start }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole line, nil when more bytes are needed.
    public mutating func next() throws(PktLineError) -> PktLine? {
        guard buffer.count - start >= 4 else { return nil }
        var n = 0
        for c in buffer[start..<start + 4] {
            guard let v = Self.hexValue(c) else { throw .badLength(String(decoding: buffer[start..<start + 4], as: UTF8.self)) }
            n = n << 4 | v
        }
        if n == 0 {
            start += 4
            compact()
            return .flush
        }
        // 0001-0003 are protocol v2's delimiters, which v1 never sends.
        guard n >= 4, n <= PktLine.maxLength else { throw .badLength(String(n)) }
        guard buffer.count - start >= n else { return nil }
        let line = Array(buffer[start + 4..<start + n])
        start += n
        compact()
        return .data(line)
    }

    private mutating func compact() {
        if start > 1 << 16, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(c - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
