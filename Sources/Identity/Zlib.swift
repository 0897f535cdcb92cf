import CZlib

/// zlib (RFC 1950) and gzip (RFC 1952) through Debian's libz. Inflation is bounded, so a small
/// hostile archive cannot expand into gigabytes.
enum Zlib {
    enum Format { case zlib, gzip }

    /// Largest output `inflate` produces (an account archive is kilobytes, megabytes with many
    /// contacts and conversations).
    static let maxInflatedSize = 64 << 20

    static func deflate(_ input: [UInt8], format: Format) throws(IdentityError) -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = format == .gzip ? 15 + 16 : 15
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .io("zlib: cannot start compression")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = inp.baseAddress
                stream.avail_in = uInt(inp.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw .io("zlib: compression failed (\(status))") }
        return Array(output[..<Int(stream.total_out)])
    }

    /// Inflates zlib or gzip data, detected from the header.
    static func inflate(_ input: [UInt8]) throws(IdentityError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .io("zlib: cannot start decompression")
        }
        defer { inflateEnd(&stream) }
        var input = input
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { (inp) throws(IdentityError) in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            while status != Z_STREAM_END {
                let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else { throw .malformed("compressed data is corrupt") }
                guard produced > 0 || status == Z_STREAM_END else { throw .malformed("compressed data is truncated") }
                result += chunk[..<produced]
                guard result.count <= maxInflatedSize else { throw .malformed("archive expands beyond \(maxInflatedSize >> 20) MiB") }
            }
        }
        return result
    }
}
