/// One OpenDHT datagram, decoded. Mirrors OpenDHT's `ParsedMessage`: a flat record whose optional
/// fields are set according to ``kind`` (§1–§2 of the protocol notes).
public struct WireMessage: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case query(QueryMethod)
        case reply
        case error
        case valueParts
    }

    public enum QueryMethod: String, Sendable, Equatable, CaseIterable {
        case ping, find, get, put, listen, refresh, update

        /// Matches the raw `q` bytes without building a String (this runs for every query).
        init?(name: ArraySlice<UInt8>) {
            guard let found = Self.allCases.first(where: { $0.rawValue.utf8.elementsEqual(name) }) else { return nil }
            self = found
        }
    }

    /// A node id with its UDP endpoint, as found in `n4`/`n6`.
    public struct NodeEntry: Sendable, Hashable {
        public var id: InfoHash
        public var address: PeerAddress
        public init(id: InfoHash, address: PeerAddress) {
            self.id = id
            self.address = address
        }
    }

    /// One chunk of a big value (`y: "p"`).
    public struct ValuePart: Sendable, Equatable {
        public var index: Int
        public var offset: Int
        public var data: [UInt8]
    }

    /// A `fileds` answer: for each value, one entry per selected field in `fields` order.
    public struct FieldRows: Sendable, Equatable {
        public var fields: [ValueField]
        public var rows: [[FieldCondition]]
    }

    public var kind: Kind
    public var tid: UInt32 = 0
    public var network: UInt32 = 0
    public var isClient = false
    public var userAgent: String?
    public var senderId: InfoHash = .zero
    public var infoHash: InfoHash?
    public var target: InfoHash?
    public var query: Query?
    public var want: [AddressFamily]?
    public var token: [UInt8]?
    public var nodes4: [NodeEntry] = []
    public var nodes6: [NodeEntry] = []
    public var reportedIP: [UInt8]?
    public var values: [Value] = []
    /// Packed sizes announced in place of values; the values follow as parts.
    public var valueSizes: [Int] = []
    public var fieldRows: FieldRows?
    public var valueId: UInt64?
    public var created: UInt64?
    public var socketId: UInt32?
    public var protocolVersion: UInt64 = 0
    public var expiredIds: [UInt64] = []
    public var refreshedIds: [UInt64] = []
    public var errorCode: UInt16 = 0
    public var errorMessage = ""
    public var parts: [ValuePart] = []
    /// Values in the message that could not be decoded (skipped, as OpenDHT does).
    public var droppedValues = 0

    public init(kind: Kind) { self.kind = kind }
}

/// OpenDHT error codes (§2.8).
public enum DHTErrorCode: UInt16, Sendable {
    case nonAuthoritative = 203
    case unauthorized = 401
    case notFound = 404
}

/// Why a datagram was dropped before processing.
public enum MessageParseError: Error, Sendable, Equatable {
    case notAMap
    case msgpack(String)
    case missingField(String)
    case invalidField(String)
    case unknownQuery(String)
    case unknownKind
}
