import SIP

/// libFuzzer entry for what a `sip` channel carries from a peer: the byte stream, fed to one
/// parser in pieces whose sizes the input's first bytes choose. Every message that parses must
/// parse back from its encoding to itself, and the answer we would write must parse too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSIP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let piece = Int(data[0]) % 64 + 1
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var parser = SIPStreamParser()
    var i = 0
    while i < bytes.count {
        guard let messages = try? parser.feed(Array(bytes[i..<min(i + piece, bytes.count)])) else { return 0 }
        for m in messages {
            var again = SIPStreamParser()
            let back = try? again.feed(m.encoded())
            precondition(back?.count == 1 && back?[0].start == m.start && back?[0].body == m.body)
            if m.method != nil {
                var answer = SIPStreamParser()
                precondition((try? answer.feed(m.response(200, "OK", tag: "t").encoded()))?.count == 1)
            }
        }
        i += piece
    }
    return 0
}
