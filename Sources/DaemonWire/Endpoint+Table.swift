// Every route of the local API, in the order of docs/api.md's table.
extension Endpoint {
    public static let status = Endpoint(.get, "v1", "status")

    public static let accounts = Endpoint(.get, "v1", "accounts")
    /// Body ``API/NewAccount``; answer `201` ``API/Account``.
    public static let createAccount = Endpoint(.post, "v1", "accounts")
    /// Body ``API/ImportAccount``; answer `201` ``API/Account``.
    public static let importAccount = Endpoint(.post, "v1", "accounts", "import")
    /// Body ``API/LinkDevice``; answer `201` ``API/Account``: this machine becomes a device of
    /// the account whose archive another device put on the DHT under the PIN.
    public static let linkDevice = Endpoint(.post, "v1", "accounts", "link")
    public static let account = Endpoint(.get, "v1", "accounts", .account)
    /// Body ``API/AuthorizeDevice``; answer ``API/DeviceLink``.
    public static let authorizeDevice = Endpoint(.post, "v1", "accounts", .account, "devices", "authorize")
    public static let exportAccount = Endpoint(.post, "v1", "accounts", .account, "export")
    /// Body and answer ``API/Profile``.
    public static let profile = Endpoint(.put, "v1", "accounts", .account, "profile")
    /// Answer ``API/Profile``: ours.
    public static let ownProfile = Endpoint(.get, "v1", "accounts", .account, "profile")

    public static let contacts = Endpoint(.get, "v1", "accounts", .account, "contacts")
    /// Body ``API/AddContact``; answer `202` ``API/Contact``.
    public static let addContact = Endpoint(.post, "v1", "accounts", .account, "contacts")
    public static let contact = Endpoint(.get, "v1", "accounts", .account, "contacts", .peer)
    public static let removeContact = Endpoint(.delete, "v1", "accounts", .account, "contacts", .peer)
    public static let banContact = Endpoint(.post, "v1", "accounts", .account, "contacts", .peer, "ban")
    public static let unbanContact = Endpoint(.post, "v1", "accounts", .account, "contacts", .peer, "unban")
    /// Answer ``API/Profile``: the one the peer's devices pushed (or its request's).
    public static let contactProfile = Endpoint(.get, "v1", "accounts", .account, "contacts", .peer, "profile")

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

    /// Answer ``API/ConversationList``.
    public static let conversations = Endpoint(.get, "v1", "accounts", .account, "conversations")
    /// Body ``API/NewConversation``; answer `201` ``API/Conversation``.
    public static let createConversation = Endpoint(.post, "v1", "accounts", .account, "conversations")
    public static let conversation = Endpoint(.get, "v1", "accounts", .account, "conversations", .conversation)
    /// Leaves the conversation.
    public static let leaveConversation = Endpoint(.delete, "v1", "accounts", .account, "conversations", .conversation)
    /// Body ``API/InviteMember``; answer ``API/Conversation``.
    public static let inviteMember = Endpoint(.post, "v1", "accounts", .account, "conversations", .conversation, "members")
    public static let removeMember = Endpoint(.delete, "v1", "accounts", .account, "conversations", .conversation, "members", .peer)
    public static let banMember = Endpoint(.post, "v1", "accounts", .account, "conversations", .conversation, "members", .peer, "ban")
    public static let unbanMember = Endpoint(.post, "v1", "accounts", .account, "conversations", .conversation, "members", .peer, "unban")
    /// Answer ``API/ConversationProfile``.
    public static let conversationProfile = Endpoint(.get, "v1", "accounts", .account, "conversations", .conversation, "profile")
    /// Body and answer ``API/ConversationProfile`` (admins only).
    public static let updateConversationProfile = Endpoint(.put, "v1", "accounts", .account, "conversations", .conversation, "profile")
    /// Body ``API/Typing``.
    public static let typing = Endpoint(.post, "v1", "accounts", .account, "conversations", .conversation, "typing")
    /// Query ``Query/before``, ``Query/limit``; answer ``API/MessagePage``.
    public static let messages = Endpoint(.get, "v1", "accounts", .account, "conversations", .conversation, "messages")
    /// Body ``API/SendMessage``; answer `201` ``API/Message``.
    public static let sendMessage = Endpoint(.post, "v1", "accounts", .account, "conversations", .conversation, "messages")
    public static let message = Endpoint(.get, "v1", "accounts", .account, "conversations", .conversation, "messages", .message)
    /// Body ``API/EditMessage``; answer ``API/Message``.
    public static let editMessage = Endpoint(.put, "v1", "accounts", .account, "conversations", .conversation, "messages", .message)
    public static let deleteMessage = Endpoint(.delete, "v1", "accounts", .account, "conversations", .conversation, "messages", .message)
    /// Body ``API/React``; answer ``API/Message`` (the message reacted to).
    public static let react = Endpoint(.post, "v1", "accounts", .account, "conversations", .conversation, "messages", .message, "reactions")
    /// Marks the message, and all before it, read.
    public static let readMessage = Endpoint(.post, "v1", "accounts", .account, "conversations", .conversation, "messages", .message, "read")
    /// Query ``Query/text``, ``Query/conversation``, ``Query/limit``; answer ``API/MessagePage``.
    public static let searchMessages = Endpoint(.get, "v1", "accounts", .account, "messages")
    /// Answer ``API/FileList``: every file offered in the conversation.
    public static let files = Endpoint(.get, "v1", "accounts", .account, "conversations", .conversation, "files")
    /// Body ``API/SendFile``; answer `201` ``API/FileTransfer``.
    public static let sendFile = Endpoint(.post, "v1", "accounts", .account, "conversations", .conversation, "files")
    /// The file offered by a message; answer ``API/FileTransfer``.
    public static let file = Endpoint(.get, "v1", "accounts", .account, "conversations", .conversation, "messages", .message, "file")
    /// Starts (or resumes) the download; answer `202` ``API/FileTransfer``.
    public static let downloadFile = Endpoint(.post, "v1", "accounts", .account, "conversations", .conversation, "messages", .message, "file", "download")
    /// Cancels the download and deletes what arrived.
    public static let cancelFile = Endpoint(.delete, "v1", "accounts", .account, "conversations", .conversation, "messages", .message, "file", "download")
    /// Answer ``API/ConversationRequestList``.
    public static let conversationRequests = Endpoint(.get, "v1", "accounts", .account, "conversation-requests")
    /// Answer ``API/Conversation``.
    public static let acceptConversation = Endpoint(.post, "v1", "accounts", .account, "conversation-requests", .conversation, "accept")
    public static let declineConversation = Endpoint(.post, "v1", "accounts", .account, "conversation-requests", .conversation, "decline")

    /// The WebSocket (an upgrade of this `GET`); query ``Query/account``, ``Query/accessToken``.
    public static let events = Endpoint(.get, "v1", "events")
    /// Newline-delimited JSON; query ``Query/account``.
    public static let eventStream = Endpoint(.get, "v1", "events", "stream")

    public static let all: [Endpoint] = [
        status, accounts, createAccount, importAccount, linkDevice, account, authorizeDevice, exportAccount, profile, ownProfile,
        contacts, addContact, contact, removeContact, banContact, unbanContact, contactProfile,
        requests, acceptRequest, declineRequest, presence, peers, connectPeer, disconnectPeer, probeChannel,
        conversations, createConversation, conversation, leaveConversation, inviteMember, removeMember, banMember, unbanMember,
        conversationProfile, updateConversationProfile, typing,
        messages, sendMessage, message, editMessage, deleteMessage, react, readMessage, searchMessages,
        files, sendFile, file, downloadFile, cancelFile,
        conversationRequests, acceptConversation, declineConversation, events, eventStream,
    ]
}
