import MessagePack

/// What a datagram claims to be, read without decoding it: the top-level keys are scanned and
/// their values skipped, nothing is allocated. The core uses it to rate-limit everything that is
/// not an answer to one of its own requests before paying for a full parse (issue #13: replies
/// used to bypass the limiter on the strength of their first key alone).
///
/// Cost: linear in the datagram's size, no allocation.
public struct DatagramHead: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A reply or an error (`r`, `u` or `e` present).
        case answer
        /// Value parts (`p` present, no reply body).
        case valueParts
        /// A query, or anything unreadable.
        case other
    }

    public var kind: Kind
    public var tid: UInt32?
}

extension MessageParser {
    /// Classifies a datagram; see ``DatagramHead``. Never throws: what cannot be read is `.other`.
    public static func peekHead(_ bytes: [UInt8]) -> DatagramHead {
        var r = MessagePackReader(bytes, limits: .dht)
        guard let n = try? r.readMapHeader() else { return DatagramHead(kind: .other, tid: nil) }
        var tid: UInt32?
        var answer = false, parts = false
        for _ in 0..<n {
            guard let key = try? r.readKeyBytes() else { return DatagramHead(kind: .other, tid: nil) }
            let k: UInt8? = key.count == 1 ? key.first : nil
            switch k {
            case UInt8(ascii: "t"):
                guard let t = try? readTid(&r) else { return DatagramHead(kind: .other, tid: nil) }
                tid = t
                continue
            case UInt8(ascii: "r"), UInt8(ascii: "u"), UInt8(ascii: "e"): answer = true
            case UInt8(ascii: "p"): parts = true
            default: break
            }
            guard (try? r.skipValue()) != nil else { return DatagramHead(kind: .other, tid: nil) }
        }
        return DatagramHead(kind: answer ? .answer : parts ? .valueParts : .other, tid: tid)
    }
}
