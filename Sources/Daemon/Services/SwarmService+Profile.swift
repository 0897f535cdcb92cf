import Swarm

/// A conversation's profile (`profile.vcf`): title, description, avatar; admins change it.
extension SwarmService {
    public func profile(of conversation: ObjectID) throws(DaemonError) -> ConversationProfile {
        let r = try held(conversation)
        do {
            let tree = try r.git.commit(try r.head).tree
            return try r.git.file(ConversationLayout.profile, in: tree, limit: 1 << 20).map { ConversationProfile(vcard: $0) } ?? ConversationProfile()
        } catch {
            throw .storage("\(conversation): \(error)")
        }
    }

    /// Sets the fields given (nil: unchanged, empty: removed), keeping the others, in one
    /// `application/update-profile` commit. Only admins may (the validator refuses it from
    /// others, on every device).
    public func updateProfile(of conversation: ObjectID, title: String?, description: String?, avatar: String?) throws(DaemonError) -> ObjectID {
        var p = try profile(of: conversation)
        if let title { p.title = title.isEmpty ? nil : title }
        if let description { p.description = description.isEmpty ? nil : description }
        if let avatar { p.avatar = avatar.isEmpty ? nil : avatar }
        guard (try? repository(conversation).roles())?[context.account.hex] == .admin else {
            throw DaemonError(.notAllowed, "only admins change a conversation's profile")
        }
        let vcard = p.vcard
        return try changing(conversation) { (r) throws(SwarmError) in try r.updateProfile(vcard, by: author, at: now) }
    }
}
