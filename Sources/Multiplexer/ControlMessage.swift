import MessagePack

/// What travels on the control channel (0): a channel request or its answer, the msgpack array
/// `[name, channel, state]`. jamid also accepts protocol messages (maps) there, and so do we.
public struct ChannelRequest: Sendable, Equatable {
    public enum State: Int64, Sendable {
        case request = 0
        case accept = 1
        case decline = 2
    }

    /// The longest channel name we take. Jami's longest names (`data-transfer://` with a
    /// conversation id, a device id, a file id and a range) stay far below it.
    public static let maxNameLength = 1024

    public var name: String
    public var channel: UInt16
    public var state: State

    public init(name: String, channel: UInt16, state: State) {
        self.name = name
        self.channel = channel
        self.state = state
    }

    public var encoded: [UInt8] {
        var w = MessagePackWriter(capacity: name.utf8.count + 8)
        w.writeArrayHeader(3)
        w.writeString(name)
        w.writeUInt(UInt64(channel))
        w.writeInt(state.rawValue)
        return w.bytes
    }

    /// Reads one request from `reader`. Extra array elements (a newer peer's fields) are skipped.
    init(from reader: inout MessagePackReader) throws(MuxError) {
        do {
            let count = try reader.readArrayHeader()
            guard count >= 3 else { throw MuxError.malformedControl("array of \(count) elements") }
            let name = try reader.readString()
            guard !name.isEmpty, name.utf8.count <= Self.maxNameLength else {
                throw MuxError.malformedControl("channel name of \(name.utf8.count) bytes")
            }
            let channel = try reader.readUInt(as: UInt16.self)
            guard let state = State(rawValue: try reader.readInt()) else { throw MuxError.malformedControl("unknown state") }
            for _ in 3..<count { try reader.skipValue() }
            self.init(name: name, channel: channel, state: state)
        } catch let e as MuxError {
            throw e
        } catch {
            throw .malformedControl("\(error)")
        }
    }
}

/// What travels on the protocol channel (0xFFFF): the version both sides announce when the
/// socket comes up, and beacons (`{"p": true}` asks, `{"p": false}` answers).
public enum ProtocolMessage: Sendable, Equatable {
    case version(Int)
    case beacon(ping: Bool)

    /// The version we speak: 1, beacons supported.
    public static let currentVersion = 1

    public var encoded: [UInt8] {
        var w = MessagePackWriter(capacity: 8)
        w.writeMapHeader(1)
        switch self {
        case .version(let v): w.writeString("v"); w.writeInt(Int64(v))
        case .beacon(let ping): w.writeString("p"); w.writeBool(ping)
        }
        return w.bytes
    }

    /// Reads one map. Unknown keys are skipped; a map with neither key is nil.
    static func read(from reader: inout MessagePackReader) throws(MuxError) -> ProtocolMessage? {
        do {
            let count = try reader.readMapHeader()
            var found: ProtocolMessage?
            for _ in 0..<count {
                let key = try reader.readKeyBytes()
                if key.elementsEqual("v".utf8) {
                    let v = try reader.readInt()
                    guard let version = Int(exactly: v) else { throw MuxError.malformedProtocol("version \(v)") }
                    found = .version(version)
                } else if key.elementsEqual("p".utf8) {
                    found = .beacon(ping: try reader.readBool())
                } else {
                    try reader.skipValue()
                }
            }
            return found
        } catch let e as MuxError {
            throw e
        } catch {
            throw .malformedProtocol("\(error)")
        }
    }
}

/// A decoded message from channel 0 or 0xFFFF.
enum ControlOrProtocol: Sendable, Equatable {
    case channel(ChannelRequest)
    case `protocol`(ProtocolMessage)

    static let limits = MessagePackLimits(maxDepth: 4, maxBytesLength: 4096, maxContainerCount: 16)

    /// Every message in one payload (several may be concatenated).
    static func parseAll(_ bytes: [UInt8]) throws(MuxError) -> [ControlOrProtocol] {
        var reader = MessagePackReader(bytes, limits: limits)
        var out: [ControlOrProtocol] = []
        while !reader.isAtEnd {
            let format: UInt8
            do { format = try reader.peekFormat() } catch { throw .malformedControl("\(error)") }
            switch format {
            case 0x90...0x9f, 0xdc, 0xdd:
                out.append(.channel(try ChannelRequest(from: &reader)))
            case 0x80...0x8f, 0xde, 0xdf:
                if let p = try ProtocolMessage.read(from: &reader) { out.append(.protocol(p)) }
            default:
                throw .malformedControl("neither an array nor a map (0x\(String(format, radix: 16)))")
            }
        }
        return out
    }
}
