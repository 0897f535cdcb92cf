/// Why a swarm operation failed. Every byte of a fetched history is untrusted: a bad commit is
/// ``invalidCommit(_:_:)`` with the reason, and the whole fetch is refused.
public enum SwarmError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libgit2 failed (`what` we asked, its message).
    case git(String)
    /// A commit breaks Jami's rules: its id and why.
    case invalidCommit(String, String)
    /// A commit message that is not Jami's JSON.
    case malformedMessage(String)
    /// Not a conversation we know, or a commit or file that is not there.
    case notFound(String)
    /// A local action that the conversation's state does not allow (not a member, say).
    case refused(String)

    public var description: String {
        switch self {
        case .git(let m): "git: \(m)"
        case .invalidCommit(let id, let why): "commit \(id.prefix(12)) refused: \(why)"
        case .malformedMessage(let why): "malformed commit message: \(why)"
        case .notFound(let what): "not found: \(what)"
        case .refused(let why): "refused: \(why)"
        }
    }
}
