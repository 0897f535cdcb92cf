/// Member commits written locally (jami-protocol §5.5).
extension ConversationRepository {
    /// Invites `account`: an empty `invited/<account>` and `{"action":"add",…}`.
    @discardableResult
    public func invite(_ account: String, by author: SwarmAuthor, at time: Int64) throws(SwarmError) -> ObjectID {
        guard ConversationLayout.isAccountID(Substring(account)) else { throw .refused("\(account.prefix(80)) is not an account id") }
        return try commit(.member(.add, uri: account), edits: [.write(path: ConversationLayout.invited(account), bytes: [])], by: author, at: time)
    }

    /// Joins as `author`'s account: its `invited/` file becomes `members/<account>.crt`.
    @discardableResult
    public func join(by author: SwarmAuthor, at time: Int64) throws(SwarmError) -> ObjectID {
        let me = author.account
        guard try git.file(ConversationLayout.invited(me), in: try git.commit(try head).tree) != nil else { throw .refused("not invited") }
        return try commit(.member(.join, uri: me), edits: [.remove(path: ConversationLayout.invited(me)),
                                                         .write(path: ConversationLayout.member(me), bytes: author.accountChainPEM)],
                          by: author, at: time)
    }

    /// Replaces the conversation profile (`profile.vcf`); only admins may.
    @discardableResult
    public func updateProfile(_ vcard: [UInt8], by author: SwarmAuthor, at time: Int64) throws(SwarmError) -> ObjectID {
        try commit(CommitMessage(type: CommitMessage.Kind.profile), edits: [.write(path: ConversationLayout.profile, bytes: vcard)], by: author, at: time)
    }
}
