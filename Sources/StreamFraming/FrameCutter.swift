import NIOCore

/// How one framing reads a frame from the front of a TCP byte stream, for ``FrameCutter``.
public protocol StreamFraming: Sendable {
    associatedtype Frame
    associatedtype Failure: Error

    /// The largest frame, header included: a frame cut by a read boundary is assembled in a
    /// buffer this big when its size is not known yet.
    static var maxFrameSize: Int { get }

    /// One frame from the front of `buffer`, consumed only when whole. Otherwise `buffer` is
    /// left as it was and the answer is the frame's total size once its header is complete.
    /// Throws on bytes that can never become a valid frame.
    static func parse(_ buffer: inout ByteBuffer) throws(Failure) -> FrameParse<Frame>
}

public enum FrameParse<Frame> {
    case frame(Frame)
    /// Not whole yet; the frame's total size once its header is known.
    case needMore(total: Int?)
}

/// Cuts frames out of a TCP byte stream. Frames inside one read are slices of it (no copy);
/// only a frame that straddles reads is assembled, in a buffer of its own, so memory stays at
/// one frame whatever the stream, and no buffer whose slices are still held above is ever
/// grown (which would copy the whole read on every append). O(1) per frame.
public struct FrameCutter<Framing: StreamFraming>: Sendable {
    /// A frame that straddles reads, being assembled.
    private var partial: ByteBuffer?
    /// What is left of the latest read; whole frames in it are sliced out.
    private var rest: ByteBuffer?

    public init() {}

    /// Bytes received but not yet part of a whole frame.
    public var bufferedBytes: Int { (partial?.readableBytes ?? 0) + (rest?.readableBytes ?? 0) }

    /// Appends received bytes.
    public mutating func append(_ bytes: ByteBuffer) {
        guard var r = rest, r.readableBytes > 0 else {
            rest = bytes
            return
        }
        // Appended again before the frames were all taken: one new buffer for both.
        rest = nil
        var combined = ByteBuffer()
        combined.reserveCapacity(r.readableBytes + bytes.readableBytes)
        combined.writeBuffer(&r)
        var b = bytes
        combined.writeBuffer(&b)
        rest = combined
    }

    /// The next whole frame, nil when more bytes are needed. After a throw the stream is
    /// unusable: the connection must be closed.
    public mutating func next() throws(Framing.Failure) -> Framing.Frame? {
        while partial != nil {
            var p = partial!
            switch try Framing.parse(&p) {
            case .frame(let frame):
                partial = nil
                return frame
            case .needMore(let total):
                let have = partial!.readableBytes
                guard var r = rest, r.readableBytes > 0 else { return nil }
                // Never past this frame's end (the bytes beyond belong to the next one): while
                // its header is incomplete, one byte at a time.
                var take = r.readSlice(length: min((total ?? have + 1) - have, r.readableBytes))!
                rest = r.readableBytes == 0 ? nil : r
                partial!.writeBuffer(&take)
            }
        }
        guard var r = rest, r.readableBytes > 0 else { return nil }
        switch try Framing.parse(&r) {
        case .frame(let frame):
            rest = r.readableBytes == 0 ? nil : r
            return frame
        case .needMore(let total):
            rest = nil
            partial = ByteBuffer()
            partial!.reserveCapacity(max(r.readableBytes, total ?? Framing.maxFrameSize))
            partial!.writeBuffer(&r)
            return nil
        }
    }
}
