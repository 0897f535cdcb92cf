@preconcurrency import Glibc
import DHT
import FoundationEssentials

/// One line of machine-readable output: a JSON object whose keys keep the order they were added,
/// matching the reference harness's output.
struct JSONLine {
    enum Field {
        case string(String)
        case int(Int)
        case bool(Bool)
        case double(Double)
        case null
    }

    private var fields: [(String, Field)] = []

    init(event: String) { fields.append(("event", .string(event))) }

    mutating func add(_ key: String, _ value: Field) { fields.append((key, value)) }
    mutating func add(_ key: String, _ value: String) { add(key, .string(value)) }
    mutating func add(_ key: String, _ value: Int) { add(key, .int(value)) }
    mutating func add(_ key: String, _ value: Bool) { add(key, .bool(value)) }
    mutating func add(_ key: String, _ value: String?) { add(key, value.map { .string($0) } ?? .null) }

    var text: String {
        "{" + fields.map { "\(Self.quote($0.0)): \(Self.render($0.1))" }.joined(separator: ", ") + "}"
    }

    /// Writes the line to standard output and flushes it, so a reader sees it at once.
    func emit() {
        Output.line(text)
    }

    private static func render(_ f: Field) -> String {
        switch f {
        case .string(let s): return quote(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .double(let d): return String(d)
        case .null: return "null"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// The harness's `value` line for `value` found under `key`.
    static func value(_ value: Value, key: InfoHash, withType: Bool, expired: Bool? = nil) -> JSONLine {
        var l = JSONLine(event: "value")
        l.add("key", key.hex)
        l.add("id", String(value.id))
        l.add("id_hex", hex16(value.id))
        if withType { l.add("type", Int(value.type)) }
        l.add("data_utf8", String(validating: value.data, as: UTF8.self))
        l.add("data_hex", value.data.map { hex2($0) }.joined())
        l.add("user_type", value.userType)
        l.add("signed", value.isSigned)
        l.add("owner", value.owner.map { InfoHash.hashing($0).hex })
        l.add("recipient", value.recipient?.hex)
        l.add("seq", Int(value.seq))
        if value.isEncrypted { l.add("encrypted", true) }
        if let expired { l.add("expired", expired) }
        return l
    }

    static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    static func hex2(_ b: UInt8) -> String {
        b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16)
    }
}

/// Line-buffered standard output and error.
enum Output {
    static func line(_ s: String) {
        fputs(s + "\n", stdout)
        fflush(stdout)
    }

    static func diagnostic(_ s: String) {
        fputs("[rafiki-dhtnode] " + s + "\n", stderr)
    }
}

