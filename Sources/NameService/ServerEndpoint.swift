/// `host:port` or `[v6]:port`, as in a bootstrap list: a ``ServerHost`` and a port in 1…65535.
public struct ServerEndpoint: Sendable, Hashable, CustomStringConvertible {
    public let host: ServerHost
    public let port: UInt16

    public init(_ text: some StringProtocol) throws(NameServiceError) {
        guard text.utf8.count <= ServerURL.maxLength else { throw .invalidServer("the address is longer than \(ServerURL.maxLength) characters") }
        let (host, port) = try ServerURL.authority(Substring(text), portRequired: true)
        guard let port else { throw .invalidServer("'\(ServerHost.quoted(text))' has no port (want HOST:PORT)") }
        (self.host, self.port) = (host, port)
    }

    public var description: String { "\(host.urlForm):\(port)" }
}
