import Crypto

extension STUNMessage {
    /// True when `bytes` start like a STUN message (top two bits zero, magic cookie): how ICE
    /// tells STUN from application data on the same connection.
    public static func looksLikeSTUN(_ bytes: some Collection<UInt8>) -> Bool {
        guard bytes.count >= headerLength else { return false }
        var i = bytes.startIndex
        let b0 = bytes[i]
        guard b0 & 0xc0 == 0 else { return false }
        i = bytes.index(i, offsetBy: 4)
        var cookie: UInt32 = 0
        for _ in 0..<4 { cookie = cookie << 8 | UInt32(bytes[i]); i = bytes.index(after: i) }
        return cookie == magicCookie
    }

    /// Parses one whole message. The FINGERPRINT, when present, is checked here; integrity is
    /// checked by ``checkIntegrity(key:)`` once the caller knows which key applies.
    public init(parsing bytes: [UInt8]) throws(STUNError) {
        guard bytes.count >= Self.headerLength else { throw .truncated }
        guard bytes[0] & 0xc0 == 0 else { throw .notSTUN }
        let type = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let length = Int(bytes[2]) << 8 | Int(bytes[3])
        let cookie = bytes[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard cookie == Self.magicCookie else { throw .notSTUN }
        guard length % 4 == 0, length + Self.headerLength == bytes.count else { throw .badLength(length) }
        let method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2)
        let cls = ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7)
        self.init(method: Method(rawValue: method), class: Class(rawValue: cls)!, transactionID: Array(bytes[8..<20]))
        raw = bytes
        var at = Self.headerLength
        while at < bytes.count {
            guard bytes.count - at >= 4 else { throw .truncated }
            let t = UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
            let n = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard at + 4 + n <= bytes.count else { throw .badAttribute(type: t) }
            guard attributes.count < Self.maxAttributes else { throw .tooManyAttributes }
            if t == STUNAttribute.Kind.fingerprint.rawValue {
                guard n == 4, at + 8 == bytes.count else { throw .badFingerprint }
                let got = bytes[(at + 4)...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                guard got == Self.crc32(Array(bytes[..<at])) ^ 0x5354_554e else { throw .badFingerprint }
            }
            if t == STUNAttribute.Kind.messageIntegrity.rawValue {
                guard n == 20 else { throw .badIntegrity }
                integrityOffset = at
            }
            // RFC 5389 §15.4: only FINGERPRINT may follow MESSAGE-INTEGRITY; others are ignored.
            if integrityOffset == nil || t == STUNAttribute.Kind.messageIntegrity.rawValue || t == STUNAttribute.Kind.fingerprint.rawValue {
                attributes.append(STUNAttribute(type: t, value: Array(bytes[(at + 4)..<(at + 4 + n)])))
            }
            at += 4 + ((n + 3) & ~3)
        }
        guard at == bytes.count else { throw .badLength(length) }
    }

    /// Checks MESSAGE-INTEGRITY with the short-term key (the password, as bytes).
    public func checkIntegrity(key: [UInt8]) throws(STUNError) {
        guard let at = integrityOffset, raw.count >= at + 24 else { throw .badIntegrity }
        var covered = Array(raw[..<at])
        let length = at - Self.headerLength + 24
        covered[2] = UInt8(truncatingIfNeeded: length >> 8)
        covered[3] = UInt8(truncatingIfNeeded: length)
        let mac = raw[(at + 4)..<(at + 24)]
        guard HMAC<Insecure.SHA1>.isValidAuthenticationCode(Array(mac), authenticating: covered, using: SymmetricKey(data: key)) else {
            throw .badIntegrity
        }
    }

    /// Comprehension-required attributes (type below 0x8000) that `known` does not list, for
    /// the 420 answer.
    public func unknownRequired(known: Set<UInt16>) -> [UInt16] {
        attributes.map(\.type).filter { $0 < 0x8000 && !known.contains($0) }
    }
}
