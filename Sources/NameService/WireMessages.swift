/// JSON bodies of Jami's name-server protocol (field names are the wire's).

/// `POST /name/<name>` body.
public struct RegistrationRequest: Codable, Sendable, Equatable {
    public var addr: String?
    public var owner: String?
    public var signature: String?
    public var publickey: String?

    public init(addr: String?, owner: String?, signature: String?, publickey: String?) {
        self.addr = addr
        self.owner = owner
        self.signature = signature
        self.publickey = publickey
    }
}

/// `POST /name/<name>` answer. `name`/`addr`/`owner` appear on 403, as the reference server
/// sends them, to say who holds what.
public struct RegistrationResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var error: String?
    public var name: String?
    public var addr: String?
    public var owner: String?

    public init(success: Bool, error: String? = nil, name: String? = nil, addr: String? = nil, owner: String? = nil) {
        self.success = success
        self.error = error
        self.name = name
        self.addr = addr
        self.owner = owner
    }
}

/// `GET /name/<name>` answer.
public struct NameLookupResponse: Codable, Sendable, Equatable {
    public var name: String
    public var addr: String
    public var publickey: String?
    public var signature: String?

    public init(name: String, addr: String, publickey: String?, signature: String?) {
        self.name = name
        self.addr = addr
        self.publickey = publickey
        self.signature = signature
    }

    public init(_ record: NameRecord) {
        self.init(name: record.name, addr: AccountAddress.wire(record.address), publickey: record.publicKey, signature: record.signature)
    }
}

/// `GET /addr/<addr>` answer.
public struct AddressLookupResponse: Codable, Sendable, Equatable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// Error answer of the lookups: `{"error": "..."}`.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public var error: String
    public init(error: String) { self.error = error }
}
