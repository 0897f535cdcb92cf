import NIOCore

/// Outgoing frames: control and protocol first, then one frame per channel in turn.
extension MuxCore {
    /// Appends whole frames to `out` until `maxBytes` would be passed (at least one frame when
    /// any is pending). Returns the number of frames written.
    @discardableResult
    public mutating func writeFrames(into out: inout ByteBuffer, maxBytes: Int) -> Int {
        var written = 0
        let start = out.writerIndex
        while out.writerIndex - start < maxBytes {
            if let frame = controlQueue.popFirst() {
                controlQueued -= frame.readableBytes
                var f = frame
                out.writeBuffer(&f)
            } else if let id = ready.popFirst() {
                switch writeNext(of: id, into: &out, budget: out.writerIndex == start ? Int.max : maxBytes - (out.writerIndex - start)) {
                case .wrote: break
                case .nothing: continue
                case .full:
                    ready.prepend(id)
                    statistics.framesOut += written
                    statistics.bytesOut += out.writerIndex - start
                    return written
                }
            } else {
                break
            }
            written += 1
        }
        statistics.framesOut += written
        statistics.bytesOut += out.writerIndex - start
        return written
    }

    private enum Next { case wrote, nothing, full }

    /// One frame of channel `id`: up to 65535 bytes from the head of its queue (a queued empty
    /// buffer is its EOF). A frame is never cut to fit `budget`: a write of at most 65535 bytes
    /// stays one frame, which jamid needs (it parses each `sync://` frame as one message, and
    /// each git frame must hold whole pkt-lines); `.full` leaves it for the next batch.
    private mutating func writeNext(of id: UInt16, into out: inout ByteBuffer, budget: Int) -> Next {
        guard var c = channels[id], c.phase == .open || c.phase == .closing, var head = c.outbound.popFirst() else { return .nothing }
        if head.readableBytes == 0 {
            MuxFrame.writeHeader(channel: id, length: 0, into: &out)
            removeChannel(id)
            return .wrote
        }
        let n = min(head.readableBytes, MuxFrame.maxPayload)
        if n + MuxFrame.maxHeader > budget {
            c.outbound.prepend(head)
            channels[id] = c
            return .full
        }
        var chunk = head.readSlice(length: n)!
        if head.readableBytes > 0 { c.outbound.prepend(head) }
        c.queued -= n
        c.bytesOut += n
        MuxFrame.writeHeader(channel: id, length: n, into: &out)
        out.writeBuffer(&chunk)
        channels[id] = c
        if !c.outbound.isEmpty { ready.append(id) }
        return .wrote
    }

    /// Queues one control or protocol message (or an EOF on a channel). Fails the socket when
    /// the peer lets too much of it pile up.
    mutating func queueControl(channel: UInt16, _ payload: [UInt8]) {
        var frame = allocator.buffer(capacity: MuxFrame.maxHeader + payload.count)
        MuxFrame.writeHeader(channel: channel, length: payload.count, into: &frame)
        frame.writeBytes(payload)
        controlQueued += frame.readableBytes
        controlQueue.append(frame)
        if controlQueued > limits.maxControlQueue { fail(.peerNotReading) }
    }
}
