import DHT

/// One node, kept across inputs so state built by earlier inputs (stored values, listeners,
/// reassembly sessions) is exercised by later ones. `nonisolated(unsafe)` is sound: libFuzzer
/// calls the entry point from one thread only.
nonisolated(unsafe) private var node: DHTCore = {
    var config = DHTConfig()
    config.randomSeed = 1
    config.maxRequestsPerSecond = nil
    config.maxRequestsPerSecondPerIP = nil
    return DHTCore(config: config, now: 1_700_000_000_000)
}()
nonisolated(unsafe) private var clock: Int64 = 1_700_000_000_000

/// libFuzzer entry: the packet parser alone, then the whole node handling the datagram.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPacket(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? MessageParser.parse(bytes)
    clock += 37
    let port = UInt16(truncatingIfNeeded: size) | 1
    node.receive(bytes, from: PeerAddress(ip: .v4(0x7f00_0002), port: port), now: clock)
    _ = node.takeOutputs()
    if size % 16 == 0 {
        node.tick(now: clock)
        _ = node.takeOutputs()
    }
    return 0
}
