/// The `ice_msg` of a Jami connection request: the ufrag, the password and the candidates of
/// component 1, one per line, separated by `\n` only.
public struct ICEDescription: Sendable, Equatable {
    public var ufrag: String
    public var password: String
    public var candidates: [ICECandidate]

    /// The largest `ice_msg` read and the most candidates kept from it.
    public static let maxLength = 16 << 10
    public static let maxCandidates = 64

    public init(ufrag: String, password: String, candidates: [ICECandidate]) {
        self.ufrag = ufrag
        self.password = password
        self.candidates = candidates
    }

    /// Fresh credentials as jamid makes them: 8 and 24 hex characters (32 and 96 random bits;
    /// RFC 8445 asks for at least 24 and 128 bits, which is why we send 32 hex for the password).
    public static func randomCredentials(using rng: inout some RandomNumberGenerator) -> (ufrag: String, password: String) {
        func hex(_ n: Int) -> String { String((0..<n).map { _ in "0123456789abcdef".randomElement(using: &rng)! }) }
        return (hex(8), hex(32))
    }

    public var encoded: String {
        ([ufrag, password] + candidates.map(\.line)).joined(separator: "\n") + "\n"
    }

    public enum ParseError: Error, Sendable, Equatable {
        case tooLong(Int)
        case credentials
        case noUsableCandidate(refused: Int)
    }

    /// Parses an `ice_msg`. Lines that are not usable TCP candidates are skipped and counted in
    /// `refused`, as jamid skips them; an answer without one usable candidate is an error.
    public init(parsing text: String) throws(ParseError) {
        guard text.utf8.count <= Self.maxLength else { throw .tooLong(text.utf8.count) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count >= 2, Self.isICEChars(lines[0], 4...256), Self.isICEChars(lines[1], 22...256) else { throw .credentials }
        var candidates: [ICECandidate] = []
        var refused = 0
        for line in lines.dropFirst(2) where !line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
            guard candidates.count < Self.maxCandidates, let c = try? ICECandidate(line: line) else { refused += 1; continue }
            if c.component == 1 { candidates.append(c) } else { refused += 1 }
        }
        guard !candidates.isEmpty else { throw .noUsableCandidate(refused: refused) }
        self.init(ufrag: String(lines[0]), password: String(lines[1]), candidates: candidates)
        self.refused = refused
    }

    /// Lines skipped while parsing.
    public private(set) var refused = 0

    /// RFC 8445's ice-char: letters, digits, `+` and `/`.
    static func isICEChars(_ s: Substring, _ lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(s.utf8.count) && s.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2b || $0 == 0x2f
        }
    }
}
