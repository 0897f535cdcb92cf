import FileTransfer
import Foundation
import Identity
import Swarm
import SwarmIndex

/// What file transfers need from the conversations: who may download, what a commit offered,
/// and which devices may have the file.
extension SwarmService {
    /// A device that may serve a file: it wrote in the conversation (its certificate is in
    /// `devices/`) and its account is a member.
    public struct FileSource: Sendable, Equatable {
        public var account: PublicKeyID
        public var device: PublicKeyID
        public var long: DeviceLongID
    }

    /// Whether `account` is an admin or a member: invited and banned accounts may not download
    /// (jamid refuses them too, §10.22).
    public func isMember(_ account: PublicKeyID, of conversation: ObjectID) -> Bool {
        guard let (r, tree) = headTree(conversation) else { return false }
        return [ConversationLayout.admin(account.hex), ConversationLayout.member(account.hex)]
            .contains { (try? r.git.fileID($0, in: tree)) != nil }
    }

    /// The offer commit `commit` made, with the device that wrote it (64 hex).
    public func offer(at commit: ObjectID, in conversation: ObjectID) throws(DaemonError) -> (offer: FileOffer, device: String) {
        let r = try repository(conversation)
        let c: SwarmCommit
        do { c = try SwarmCommit(try r.git.commit(commit)) } catch { throw DaemonError(.noSuchMessage, commit.hex) }
        do { return (try FileOffer(c.message), c.device) } catch { throw DaemonError(.noSuchFile, "\(commit.hex) offers no file: \(error)") }
    }

    /// The file offers of `conversation`, oldest first.
    public func fileMessages(in conversation: ObjectID) throws(DaemonError) -> [IndexedMessage] {
        _ = try held(conversation)
        do { return try index.messages(ofType: CommitMessage.Kind.dataTransfer, in: conversation.hex) } catch { throw .storage("\(error)") }
    }

    /// The devices to ask for a file, best first: the one that offered it, then every other
    /// device of a member that wrote in the conversation (members keep what they downloaded and
    /// serve it too). This device and non-members are left out.
    public func sources(of file: FileID, in conversation: ObjectID) throws(DaemonError) -> [FileSource] {
        let author = try offer(at: file.commit, in: conversation).device
        guard let (r, tree) = headTree(conversation) else { throw DaemonError(.noSuchConversation, conversation.hex) }
        let names = (try? r.git.names(in: ConversationLayout.devices, tree: tree)) ?? []
        let roles = (try? r.roles()) ?? [:]
        var out: [FileSource] = []
        for name in names where name.hasSuffix(".crt") {
            let long = String(name.dropLast(4))
            guard long != context.device.longID.hex,
                  let pem = try? r.git.file(ConversationLayout.device(long), in: tree, limit: 64 << 10),
                  let chain = try? CertificateChain(pemOrDER: pem), let key = chain.leaf.rsaPublicKey, key.longId.hex == long,
                  let issuer = chain.leaf.issuerUID, let account = PublicKeyID(hex: issuer),
                  [MemberRole.admin, .member].contains(roles[issuer]) else { continue }
            let source = FileSource(account: account, device: key.id, long: key.longId)
            if long == author { out.insert(source, at: 0) } else { out.append(source) }
        }
        return out
    }

    /// Every other account that is an admin or member of a conversation with us.
    public func accountsSharingConversations() -> [PublicKeyID] {
        Array(Set(conversations().flatMap { memberAccounts($0) }).subtracting([context.account])).sorted { $0.hex < $1.hex }
    }

    /// Whether `conversation` is a 1:1 (its root commit's mode).
    public func isOneToOne(_ conversation: ObjectID) -> Bool {
        (try? SwarmCommit(try repository(conversation).git.commit(conversation)))?.message.mode == ConversationMode.oneToOne.rawValue
    }

    /// A conversation `account` and we are both members of (its 1:1 first), nil if none.
    public func sharedConversation(with account: PublicKeyID) -> ObjectID? {
        let shared = conversations().filter { memberAccounts($0).contains(account) }
        return shared.first { isOneToOne($0) } ?? shared.first
    }
}
