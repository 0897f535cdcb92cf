/// What a user types to find someone: `alice`, or `alice@ns.example.org` to ask that server
/// (Jami's `user@host` form, over https; `host:port` and `[v6]:port` are accepted).
public struct NameQuery: Sendable, Equatable {
    /// Canonical name.
    public let name: String
    /// The server, when the query named one; checked like any ``ServerURL``.
    public let server: ServerURL?

    /// Throws ``NameServiceError/invalidName`` for the name part and
    /// ``NameServiceError/invalidServer(_:)`` for the host part.
    public init(_ text: some StringProtocol) throws(NameServiceError) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        name = try NameRules.canonical(parts[0])
        guard parts.count == 2 else {
            server = nil
            return
        }
        let host = parts[1]
        guard !host.isEmpty else { throw .invalidServer("nothing after '@': want NAME@HOST") }
        guard !host.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" }) else { throw .invalidServer("want NAME@HOST, not a URL") }
        server = try ServerURL(scheme: .https, authority: host)
    }
}
