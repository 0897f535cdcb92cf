import AccountSync

/// libFuzzer entry for what another device of the account sends on a `sync://` channel: one
/// frame, parsed as one SyncMsg (and as the legacy DeviceSync value of the DHT inbox). Whatever parses must give itself back from its encoding, and
/// the messages it would be split into must each fit a frame.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAccountSync(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The same bytes as jamid's legacy DeviceSync value from the DHT: what parses re-parses.
    if let ds = try? DeviceSync(valueData: bytes) {
        precondition((try? DeviceSync(valueData: ds.valueData)) == ds)
    }
    guard let m = try? SyncMessage(parsing: bytes) else { return 0 }
    let again = try? SyncMessage(parsing: m.encoded)
    precondition(again == m || m.encoded.count > SyncMessage.maxBytes)
    for part in SyncMessage.messages(m.deviceSync, conversations: m.conversations, requests: m.requests) {
        precondition(part.encoded.count <= SyncMessage.maxBytes)
    }
    return 0
}
