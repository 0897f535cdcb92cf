/// What a user types to find someone: `alice`, or `alice@ns.example.org` to ask that server
/// (Jami's `user@host` form).
public struct NameQuery: Sendable, Equatable {
    /// Canonical name.
    public let name: String
    /// Server base URL, when the query named one.
    public let server: String?

    public init(_ text: some StringProtocol) throws(NameServiceError) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        name = try NameRules.canonical(parts[0])
        guard parts.count == 2 else {
            server = nil
            return
        }
        let host = parts[1]
        guard !host.isEmpty, !host.contains(where: { $0 == "/" || $0 == "@" || $0.isWhitespace }) else { throw .invalidName }
        server = "https://" + host
    }
}
