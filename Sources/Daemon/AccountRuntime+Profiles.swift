import Contacts
import DaemonWire
import Identity
import Swarm

// Profiles: ours, others' as their devices sent them, and conversations'.
extension AccountRuntime {
    /// Replaces our profile and pushes it to the member and own devices we have a socket to
    /// (the others get it at the next sync with them).
    public func setProfile(displayName: String, avatar: String?, avatarType: String?) async throws(DaemonError) {
        try await contacts.setProfile(VCard.make(displayName: displayName, photoBase64: avatar, photoType: avatarType ?? "JPEG"))
        if let profiles = online?.profiles { context.scheduler.spawn { await profiles.profileChanged() } }
    }

    /// Ours (`account` nil or ours), else the one `account`'s devices pushed, else the one in
    /// its trust request.
    public func profile(of account: PublicKeyID?) async throws(DaemonError) -> API.Profile {
        let vcard: [UInt8]
        if account == nil || account == id {
            vcard = contacts.profile()
        } else if let account, let pushed = try database.profile(of: account.hex) {
            vcard = pushed
        } else if let account, let request = try database.request(from: account) {
            vcard = request.payload
        } else if let account, try database.contact(account) != nil {
            vcard = []
        } else {
            throw .noSuchContact(account?.hex ?? "")
        }
        let photo = VCard.photo(in: vcard)
        return API.Profile(displayName: VCard.displayName(in: vcard) ?? "", avatar: photo?.base64, avatarType: photo?.type)
    }

    public func conversationProfile(_ conversation: ObjectID) async throws(DaemonError) -> API.ConversationProfile {
        let p = try await swarm().profile(of: conversation)
        return API.ConversationProfile(title: p.title, description: p.description, avatar: p.avatar)
    }

    /// Changes the conversation's profile (admins only) and notifies the members.
    public func updateConversationProfile(_ conversation: ObjectID, _ change: API.ConversationProfile) async throws(DaemonError) -> API.ConversationProfile {
        let commit = try await swarm().updateProfile(of: conversation, title: change.title, description: change.description, avatar: change.avatar)
        _ = await committed(commit, in: conversation)
        return try await conversationProfile(conversation)
    }
}
