/// Reassembles messages whose values travel as parts (§2.10). A session is keyed by tid and source
/// address, accepts parts only in order (as 2.4.12 does), and dies 3 s after its last part or 10 s
/// after it began. At most `maxSessions` are open; announced sizes above 64 KiB + 32 are refused.
struct ValuePartAssembler {
    private struct Key: Hashable {
        var tid: UInt32
        var from: PeerAddress
    }

    private struct Session {
        var message: WireMessage
        var buffers: [[UInt8]]
        var started: Int64
        var lastPart: Int64
    }

    private var sessions: [Key: Session] = [:]
    let maxSessions = 256
    static let maxValueSize = Value.maxPayloadSize + 32

    /// Opens a session for a message that announced value sizes. Returns false if refused.
    mutating func begin(_ message: WireMessage, from: PeerAddress, now: Int64) -> Bool {
        guard message.valueSizes.allSatisfy({ $0 <= Self.maxValueSize }) else { return false }
        expire(now: now)
        guard sessions.count < maxSessions else { return false }
        var buffers: [[UInt8]] = []
        for size in message.valueSizes {
            var b = [UInt8]()
            b.reserveCapacity(size)
            buffers.append(b)
        }
        sessions[Key(tid: message.tid, from: from)] = Session(message: message, buffers: buffers, started: now, lastPart: now)
        return true
    }

    /// Adds parts; returns the completed message (with its values decoded) once every value is whole.
    mutating func add(_ parts: [WireMessage.ValuePart], tid: UInt32, from: PeerAddress, now: Int64) -> WireMessage? {
        let key = Key(tid: tid, from: from)
        guard var s = sessions[key] else { return nil }
        for p in parts {
            guard p.index < s.buffers.count, p.offset == s.buffers[p.index].count,
                  p.offset + p.data.count <= s.message.valueSizes[p.index] else { continue }
            s.buffers[p.index].append(contentsOf: p.data)
        }
        s.lastPart = now
        let complete = zip(s.buffers, s.message.valueSizes).allSatisfy { $0.count == $1 }
        guard complete else {
            sessions[key] = s
            return nil
        }
        sessions[key] = nil
        var msg = s.message
        msg.valueSizes = []
        for b in s.buffers {
            if let v = try? Value(packed: b) { msg.values.append(v) } else { msg.droppedValues += 1 }
        }
        return msg
    }

    mutating func expire(now: Int64) {
        sessions = sessions.filter {
            now - $0.value.lastPart < DHTConstants.partReceiveTimeout && now - $0.value.started < DHTConstants.partSessionMaxTime
        }
    }
}
