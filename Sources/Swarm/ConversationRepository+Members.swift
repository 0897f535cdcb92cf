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

extension ConversationRepository {
    /// Removes `account` (an admin removing a member, or `author` leaving): its admin, member and
    /// invited files and its devices' certificates go, in one `remove` commit.
    @discardableResult
    public func remove(_ account: String, by author: SwarmAuthor, at time: Int64) throws(SwarmError) -> ObjectID {
        guard ConversationLayout.isAccountID(Substring(account)) else { throw .refused("\(account.prefix(80)) is not an account id") }
        let tree = try git.commit(try head).tree
        let roles = try roles()
        guard let role = roles[account], role != .banned else { throw .refused("\(account.prefix(12)) is not in the conversation") }
        guard account == author.account || roles[author.account] == .admin else { throw .refused("only an admin may remove another member") }
        return try commit(.member(.remove, uri: account), edits: try files(of: account, in: tree).map { .remove(path: $0) }, by: author, at: time)
    }

    /// Votes to ban `account`; once at least half of the admins voted, the ban is resolved at
    /// once (votes removed, the member's certificate moved to `banned/members/`, its devices'
    /// certificates removed, a `ban` commit). Returns the last commit.
    @discardableResult
    public func ban(_ account: String, by author: SwarmAuthor, at time: Int64) throws(SwarmError) -> ObjectID {
        let roles = try roles()
        guard roles[author.account] == .admin else { throw .refused("only an admin may ban") }
        guard account != author.account, let role = roles[account], role != .banned else { throw .refused("\(account.prefix(12)) cannot be banned") }
        let folder = role == .admin ? "admins" : role == .member ? "members" : "invited"
        let votes = "votes/ban/\(folder)/\(account)"
        var last = try commit(.vote(uri: account), edits: [.write(path: "\(votes)/\(author.account)", bytes: [])], by: author, at: time)
        let tree = try git.commit(last).tree
        let voters = try git.names(in: votes, tree: tree)
        let admins = roles.values.filter { $0 == .admin }.count
        guard voters.count * 2 >= admins else { return last }
        var edits: [GitRepository.TreeEdit] = voters.map { .remove(path: "\(votes)/\($0)") }
        edits += try files(of: account, in: tree).map { .remove(path: $0) }
        if role == .invited {
            edits.append(.write(path: "banned/invited/\(account)", bytes: []))
        } else if let pem = try git.file(folder == "admins" ? ConversationLayout.admin(account) : ConversationLayout.member(account), in: tree, limit: 64 << 10) {
            edits.append(.write(path: ConversationLayout.bannedMember(account), bytes: pem))
        }
        last = try commit(.member(.ban, uri: account), edits: edits, by: author, at: time)
        return last
    }

    /// Votes to lift `account`'s ban; once at least half of the admins voted, its certificate
    /// moves back from `banned/members/` to `members/` in an `unban` commit.
    @discardableResult
    public func unban(_ account: String, by author: SwarmAuthor, at time: Int64) throws(SwarmError) -> ObjectID {
        let roles = try roles()
        guard roles[author.account] == .admin else { throw .refused("only an admin may unban") }
        guard roles[account] == .banned else { throw .refused("\(account.prefix(12)) is not banned") }
        let votes = "votes/unban/members/\(account)"
        var last = try commit(.vote(uri: account), edits: [.write(path: "\(votes)/\(author.account)", bytes: [])], by: author, at: time)
        let tree = try git.commit(last).tree
        let voters = try git.names(in: votes, tree: tree)
        guard voters.count * 2 >= roles.values.filter({ $0 == .admin }).count,
              let pem = try git.file(ConversationLayout.bannedMember(account), in: tree, limit: 64 << 10) else { return last }
        var edits: [GitRepository.TreeEdit] = voters.map { .remove(path: "\(votes)/\($0)") }
        edits += [.remove(path: ConversationLayout.bannedMember(account)), .write(path: ConversationLayout.member(account), bytes: pem)]
        last = try commit(.member(.unban, uri: account), edits: edits, by: author, at: time)
        return last
    }

    /// `account`'s admin, member and invited files and its devices' certificates in `tree`.
    private func files(of account: String, in tree: ObjectID) throws(SwarmError) -> [String] {
        var paths = [ConversationLayout.admin(account), ConversationLayout.member(account), ConversationLayout.invited(account)]
            .filter { (try? git.file($0, in: tree)) != nil }
        for name in try git.names(in: ConversationLayout.devices, tree: tree) where name.hasSuffix(".crt") {
            let device = String(name.dropLast(4))
            if self.account(ofDevice: device, in: tree) == account { paths.append(ConversationLayout.device(device)) }
        }
        return paths
    }
}
