import DaemonWire
import Daemon

/// The run's event trace: one line per event, in simulated-time order (the order they
/// happened), accounts and devices named by their index in the run (`a12`), so two runs of a
/// seed compare line by line.
struct Trace: Sendable {
    private(set) var lines: [String] = []

    private static func stamp(_ ms: Int64) -> String {
        let s = String(ms / 1000), frac = String(ms % 1000)
        return s + "." + String(repeating: "0", count: 3 - frac.count) + frac
    }

    mutating func line(at ms: Int64, _ account: Int, _ what: String, peer: Int? = nil) {
        lines.append("\(Self.stamp(ms)) a\(account) \(what)" + (peer.map { " peer=a\($0)" } ?? ""))
    }

    mutating func note(at ms: Int64, _ what: String) {
        lines.append("\(Self.stamp(ms)) - \(what)")
    }

    mutating func event(at ms: Int64, _ account: Int, _ e: DaemonEvent, peer: Int?, device: Int?) {
        var text = "\(Self.stamp(ms)) a\(account) \(e.type.rawValue)"
        if let peer { text += " peer=a\(peer)" } else if e.peer != nil { text += " peer=?" }
        if let device { text += " device=a\(device)" }
        if let s = e.state { text += " state=\(s)" }
        if let o = e.online { text += " online=\(o)" }
        if let c = e.confirmed { text += " confirmed=\(c)" }
        if let b = e.banned { text += " banned=\(b)" }
        lines.append(text)
    }
}
