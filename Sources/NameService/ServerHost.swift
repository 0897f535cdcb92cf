#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A host typed by a person, read from a configuration file or sent by a server (a redirect),
/// checked before anything resolves or connects to it: a DNS name, an IPv4 literal or an IPv6
/// literal. Anything else is refused with a reason, so no later layer (the resolver, NIO's socket
/// address, a TLS name check) ever sees a host it might read differently or trap on.
///
/// ```swift
/// try ServerHost("NS.Example.org").text   // "ns.example.org"
/// try ServerHost("[::1]").urlForm         // "[::1]"
/// try ServerHost("bücher.de")             // refused: give the xn-- form
/// ```
public struct ServerHost: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable { case name, ipv4, ipv6 }

    public let kind: Kind
    /// Lowercase; IP literals in the system's canonical form, IPv6 without brackets.
    public let text: String

    /// RFC 1035: 253 characters in a name, 63 in a label.
    public static let maxLength = 253
    public static let maxLabelLength = 63

    /// Parses a host as it appears in a URL: a name, `a.b.c.d`, or an IPv6 literal with or
    /// without brackets. IPv6 zone ids (`%eth0`) and the shorthand IPv4 forms some resolvers
    /// accept (`127.1`, `0x7f.1`, `010.0.0.1`) are refused.
    public init(_ raw: some StringProtocol) throws(NameServiceError) {
        let utf8 = Array(raw.utf8)
        guard !utf8.isEmpty else { throw .invalidServer("the host is empty") }
        guard utf8.count <= Self.maxLength + 2 else { throw .invalidServer("the host is longer than \(Self.maxLength) characters") }
        guard utf8.allSatisfy({ $0 < 0x80 }) else {
            throw .invalidServer("'\(Self.quoted(raw))' is not ASCII; give an international name in its xn-- form")
        }
        // Spaces and control characters have no place in a host; a NUL would also cut the C
        // string the system parsers read.
        guard utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw .invalidServer("'\(Self.quoted(raw))' contains spaces or control characters")
        }
        var host = String(decoding: utf8, as: UTF8.self).lowercased()
        let bracketed = host.hasPrefix("[") && host.hasSuffix("]") && host.count >= 2
        if bracketed { host = String(host.dropFirst().dropLast()) }
        if bracketed || host.contains(":") {
            guard let v6 = Self.canonical(host, family: AF_INET6) else { throw .invalidServer("'\(Self.quoted(raw))' is not an IPv6 address") }
            (kind, text) = (.ipv6, v6)
            return
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        // A name whose last label is numeric is an IPv4 address to every URL parser; only the
        // plain dotted-quad form is accepted, so we never disagree with the resolver about which.
        if let last = labels.last, !last.isEmpty, last.allSatisfy(\.isNumber) || last.hasPrefix("0x") {
            guard let v4 = Self.canonical(host, family: AF_INET), v4 == host else {
                throw .invalidServer("'\(Self.quoted(raw))' is not an IPv4 address (want four decimal numbers 0-255, like 192.0.2.1)")
            }
            (kind, text) = (.ipv4, v4)
            return
        }
        guard host.utf8.count <= Self.maxLength else { throw .invalidServer("the host is longer than \(Self.maxLength) characters") }
        for label in labels {
            guard !label.isEmpty else { throw .invalidServer("'\(Self.quoted(raw))' has an empty label") }
            guard label.utf8.count <= Self.maxLabelLength else {
                throw .invalidServer("a label of '\(Self.quoted(raw))' is longer than \(Self.maxLabelLength) characters")
            }
            guard label.utf8.allSatisfy(Self.isNameByte), label.first != "-", label.last != "-" else {
                throw .invalidServer("'\(Self.quoted(raw))' is not a host name (letters, digits, '-' and '_' between dots)")
            }
        }
        (kind, text) = (.name, host)
    }

    /// As the host of a URL: IPv6 in brackets.
    public var urlForm: String { kind == .ipv6 ? "[\(text)]" : text }

    public var description: String { urlForm }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b == 0x2d || b == 0x5f
    }

    /// The system's own reading of an address literal (what NIO and the resolver will use),
    /// printed back in canonical form; nil when it is not one.
    private static func canonical(_ text: String, family: Int32) -> String? {
        var address = [UInt8](repeating: 0, count: 16)
        guard inet_pton(family, text, &address) == 1 else { return nil }
        var out = [CChar](repeating: 0, count: 64)
        guard inet_ntop(family, address, &out, socklen_t(out.count)) != nil else { return nil }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Input echoed in a message: bounded, with control characters shown as `?`.
    static func quoted(_ raw: some StringProtocol) -> String {
        let shown = raw.prefix(80).map { c in c.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f } ? "?" : String(c) }.joined()
        return raw.count > 80 ? shown + "…" : shown
    }
}
