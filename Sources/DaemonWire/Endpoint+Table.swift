// Every route of the local API, in the order of docs/api.md's table.
extension Endpoint {
    public static let status = Endpoint(.get, "v1", "status")

    public static let accounts = Endpoint(.get, "v1", "accounts")
    /// Body ``API/NewAccount``; answer `201` ``API/Account``.
    public static let createAccount = Endpoint(.post, "v1", "accounts")
    /// Body ``API/ImportAccount``; answer `201` ``API/Account``.
    public static let importAccount = Endpoint(.post, "v1", "accounts", "import")
    public static let account = Endpoint(.get, "v1", "accounts", .account)
    public static let exportAccount = Endpoint(.post, "v1", "accounts", .account, "export")
    /// Body and answer ``API/Profile``.
    public static let profile = Endpoint(.put, "v1", "accounts", .account, "profile")

    public static let contacts = Endpoint(.get, "v1", "accounts", .account, "contacts")
    /// Body ``API/AddContact``; answer `202` ``API/Contact``.
    public static let addContact = Endpoint(.post, "v1", "accounts", .account, "contacts")
    public static let contact = Endpoint(.get, "v1", "accounts", .account, "contacts", .peer)
    public static let removeContact = Endpoint(.delete, "v1", "accounts", .account, "contacts", .peer)
    public static let banContact = Endpoint(.post, "v1", "accounts", .account, "contacts", .peer, "ban")
    public static let unbanContact = Endpoint(.post, "v1", "accounts", .account, "contacts", .peer, "unban")

    /// Query ``Query/limit`` and ``Query/after``; answer ``API/RequestPage``.
    public static let requests = Endpoint(.get, "v1", "accounts", .account, "requests")
    public static let acceptRequest = Endpoint(.post, "v1", "accounts", .account, "requests", .peer, "accept")
    public static let declineRequest = Endpoint(.post, "v1", "accounts", .account, "requests", .peer, "decline")

    public static let presence = Endpoint(.get, "v1", "accounts", .account, "presence")

    /// Answer ``API/PeerList``.
    public static let peers = Endpoint(.get, "v1", "accounts", .account, "peers")
    /// Body ``API/ConnectPeer``; answer ``API/PeerList`` (the devices tried).
    public static let connectPeer = Endpoint(.post, "v1", "accounts", .account, "peers")
    public static let disconnectPeer = Endpoint(.delete, "v1", "accounts", .account, "peers", .peer)
    /// Body ``API/ProbeChannel``; answer ``API/ChannelProbe``.
    public static let probeChannel = Endpoint(.post, "v1", "accounts", .account, "peers", .peer, "channels")

    /// The WebSocket (an upgrade of this `GET`); query ``Query/account``, ``Query/accessToken``.
    public static let events = Endpoint(.get, "v1", "events")
    /// Newline-delimited JSON; query ``Query/account``.
    public static let eventStream = Endpoint(.get, "v1", "events", "stream")

    public static let all: [Endpoint] = [
        status, accounts, createAccount, importAccount, account, exportAccount, profile,
        contacts, addContact, contact, removeContact, banContact, unbanContact,
        requests, acceptRequest, declineRequest, presence, peers, connectPeer, disconnectPeer, probeChannel, events, eventStream,
    ]
}
