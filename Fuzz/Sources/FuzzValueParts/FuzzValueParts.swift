import DHT
import MessagePack

/// Value-part reassembly under a script of hostile moves (issue #13): each input is a sequence of
/// operations (open a session with announced sizes, send a part, let time pass, send raw bytes)
/// from a few sources, against a node with small budgets. After every datagram the budgets must
/// hold, and the cheap head classification must agree with the full parser.
nonisolated(unsafe) private var clock: Int64 = 1_700_000_000_000

private let limits = (sessions: 16, bytes: 200_000)

private func makeNode() -> DHTCore {
    var config = DHTConfig()
    config.randomSeed = 1
    config.maxRequestsPerSecond = nil
    config.maxRequestsPerSecondPerIP = nil
    config.maxPartSessions = limits.sessions
    config.maxPartSessionsPerSource = 4
    config.maxPartBytes = limits.bytes
    config.maxPartBytesPerSource = 50_000
    return DHTCore(config: config, now: clock)
}

private struct Script {
    let bytes: [UInt8]
    var i = 0
    mutating func next() -> UInt8? {
        guard i < bytes.count else { return nil }
        defer { i += 1 }
        return bytes[i]
    }
    mutating func u16() -> Int? {
        guard let a = next(), let b = next() else { return nil }
        return Int(a) << 8 | Int(b)
    }
}

private func deliver(_ d: [UInt8], from source: UInt8, to node: DHTCore) {
    let head = MessageParser.peekHead(d)
    if let m = try? MessageParser.parse(d) {
        switch m.kind {
        case .reply, .error: precondition(head.kind == .answer, "head says \(head.kind) for an answer")
        case .valueParts: precondition(head.kind == .valueParts, "head says \(head.kind) for parts")
        case .query: precondition(head.kind == .other, "head says \(head.kind) for a query")
        }
        precondition(head.tid == nil || head.tid == m.tid, "head tid differs")
    }
    node.receive(d, from: PeerAddress(ip: .v4(0x7f00_0100 | UInt32(source % 6)), port: 4000), now: clock)
    _ = node.takeOutputs()
    let s = node.statistics
    precondition(s.partSessions <= limits.sessions, "\(s.partSessions) sessions")
    precondition(s.partBytes <= limits.bytes, "\(s.partBytes) bytes held")
    precondition(s.partSessions > 0 || s.partBytes == 0, "bytes held with no session")
}

private func header(tid: UInt8, sizes: [Int], reply: Bool) -> [UInt8] {
    var body: [MessagePackPair] = [.init(.string("id"), .binary([UInt8](repeating: tid | 1, count: 20)))]
    if !reply { body += [.init(.string("h"), .binary([UInt8](repeating: 7, count: 20))), .init(.string("token"), .binary([1]))] }
    body.append(.init(.string("values"), .array(sizes.map { .uint(UInt64($0)) })))
    var top: [MessagePackPair] = [.init(.string(reply ? "r" : "a"), .map(body))]
    if !reply { top.append(.init(.string("q"), .string("put"))) }
    top += [.init(.string("t"), .uint(UInt64(tid))), .init(.string("y"), .string(reply ? "r" : "q"))]
    return MessagePackValue.map(top).encoded
}

private func part(tid: UInt8, index: Int, offset: Int, count: Int) -> [UInt8] {
    let chunk = MessagePackValue.map([.init(.string("o"), .uint(UInt64(offset))), .init(.string("d"), .binary([UInt8](repeating: 0x42, count: count)))])
    return MessagePackValue.map([
        .init(.string("p"), .map([.init(.uint(UInt64(index)), chunk)])),
        .init(.string("t"), .uint(UInt64(tid))), .init(.string("y"), .string("p")),
    ]).encoded
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValueParts(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var script = Script(bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    let node = makeNode()
    while let op = script.next() {
        guard let tid = script.next(), let source = script.next() else { break }
        switch op % 4 {
        case 0:
            guard let n = script.next() else { break }
            var sizes: [Int] = []
            for _ in 0..<(n % 32) { sizes.append(script.u16() ?? 1) }
            deliver(header(tid: tid, sizes: sizes, reply: op & 0x80 != 0), from: source, to: node)
        case 1:
            guard let index = script.next(), let offset = script.u16(), let count = script.u16() else { break }
            deliver(part(tid: tid, index: Int(index % 32), offset: offset, count: count % 8_192), from: source, to: node)
        case 2:
            clock += Int64(tid) * 50
            node.tick(now: clock)
            _ = node.takeOutputs()
        default:
            let n = Int(tid)
            var raw: [UInt8] = []
            while raw.count < n, let b = script.next() { raw.append(b) }
            deliver(raw, from: source, to: node)
        }
    }
    return 0
}
