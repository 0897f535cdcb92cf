import MessagePack

/// One message of a `sync://` channel between two devices of an account (jamid's `SyncMsg`,
/// jami-protocol §8): a msgpack array `[ds, c, cr, p]`, any part empty. jamid parses each
/// frame as one message, so one message must fit a frame (``maxBytes``) and be written in one
/// write; ``messages(_:conversations:requests:)`` splits a device's state into such messages.
public struct SyncMessage: Sendable, Equatable {
    public static let maxBytes = 65535

    public var deviceSync: DeviceSync
    public var conversations: [String: ConversationInfo]
    public var requests: [String: ConversationRequestInfo]
    /// Conversation preferences (`p`), by conversation.
    public var preferences: [String: [String: String]]

    public init(deviceSync: DeviceSync = DeviceSync(), conversations: [String: ConversationInfo] = [:], requests: [String: ConversationRequestInfo] = [:],
                preferences: [String: [String: String]] = [:]) {
        self.deviceSync = deviceSync
        self.conversations = conversations
        self.requests = requests
        self.preferences = preferences
    }

    public var encoded: [UInt8] {
        MessagePackValue.array([
            deviceSync.messagePack,
            .map(conversations.sorted { $0.key < $1.key }.map { MessagePackPair(.string($0.key), $0.value.messagePack) }),
            .map(requests.sorted { $0.key < $1.key }.map { MessagePackPair(.string($0.key), $0.value.messagePack) }),
            .map(preferences.sorted { $0.key < $1.key }.map { MessagePackPair(.string($0.key), $0.value.messagePack) }),
        ]).encoded
    }

    /// Reads one message; jamid 2023 sends four parts, newer ones six (the extra two are
    /// ignored), and a message with fewer parts leaves the rest empty.
    public init(parsing bytes: [UInt8]) throws(SyncError) {
        guard bytes.count <= Self.maxBytes else { throw .tooLarge(bytes.count) }
        let value: MessagePackValue
        do { value = try MessagePackReader.decode(bytes, limits: MessagePackLimits(maxDepth: 8, maxBytesLength: 65535, maxContainerCount: 8192)) } catch {
            throw .malformed("\(error)")
        }
        guard case .array(let parts) = value, !parts.isEmpty else { throw .malformed("not an array") }
        self.init()
        deviceSync = try DeviceSync(parts[0])
        if parts.count > 1 {
            guard let c = parts[1].pairs else { throw .malformed("c is not a map") }
            for p in c {
                guard case .string(let id) = p.key else { throw .malformed("a conversation key") }
                conversations[id] = try ConversationInfo(p.value)
            }
        }
        if parts.count > 2 {
            guard let cr = parts[2].pairs else { throw .malformed("cr is not a map") }
            for p in cr {
                guard case .string(let id) = p.key else { throw .malformed("a request key") }
                requests[id] = try ConversationRequestInfo(p.value)
            }
        }
        if parts.count > 3 {
            guard let pr = parts[3].pairs else { throw .malformed("p is not a map") }
            for p in pr {
                guard case .string(let id) = p.key, let prefs = p.value.stringMap else { throw .malformed("preferences") }
                preferences[id] = prefs
            }
        }
    }

    /// A device's whole state as messages of at most ``maxBytes`` each, in jamid's order:
    /// contacts (and requests) first, then conversations, then conversation requests; a part
    /// too large for one message is spread over several.
    public static func messages(_ deviceSync: DeviceSync, conversations: [String: ConversationInfo],
                                requests: [String: ConversationRequestInfo]) -> [SyncMessage] {
        var out: [SyncMessage] = []
        var ds = deviceSync
        ds.requests = Dictionary(uniqueKeysWithValues: ds.requests.sorted { $0.key.hex < $1.key.hex }.prefix(DeviceSync.maxRequests).map { ($0.key, $0.value) })
        out += split(ds.contacts.sorted { $0.key.hex < $1.key.hex }) { part in
            var d = ds
            d.contacts = Dictionary(uniqueKeysWithValues: part)
            return SyncMessage(deviceSync: d)
        }
        if !conversations.isEmpty {
            out += split(conversations.sorted { $0.key < $1.key }) { SyncMessage(conversations: Dictionary(uniqueKeysWithValues: $0)) }
        }
        if !requests.isEmpty {
            out += split(requests.sorted { $0.key < $1.key }) { SyncMessage(requests: Dictionary(uniqueKeysWithValues: $0)) }
        }
        return out
    }

    /// Halves `entries` until each half's message fits; an entry too large alone is dropped
    /// (a conversation with thousands of members; never seen).
    static func split<E>(_ entries: [E], _ make: ([E]) -> SyncMessage) -> [SyncMessage] {
        let m = make(entries)
        if m.encoded.count <= maxBytes { return [m] }
        guard entries.count > 1 else { return [] }
        let half = entries.count / 2
        return split(Array(entries[..<half]), make) + split(Array(entries[half...]), make)
    }
}
