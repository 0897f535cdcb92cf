import Foundation

/// A download's progress for people: on a terminal one line redrawn in place (bar, bytes,
/// rate, time left) on standard error; elsewhere a plain line every few seconds, so logs and
/// pipes stay readable.
struct ProgressBar {
    let total: Int64
    let label: String
    let isTerminal = isatty(STDERR_FILENO) == 1
    private let started = ContinuousClock.now
    private var startBytes: Int64?
    private var lastPlain = ContinuousClock.now
    private var drawn = false

    init(total: Int64, label: String) {
        self.total = total
        self.label = label
    }

    /// Shows `bytes` of ``total``.
    mutating func update(_ bytes: Int64) {
        if startBytes == nil { startBytes = bytes }
        let elapsed = Self.seconds(ContinuousClock.now - started)
        let rate = elapsed > 0.2 ? Double(bytes - (startBytes ?? 0)) / elapsed : 0
        let fraction = total > 0 ? Double(bytes) / Double(total) : 1
        var text = "\(Self.size(bytes)) of \(Self.size(total)) (\(Int(fraction * 100))%)"
        if rate > 0 {
            text += ", \(Self.size(Int64(rate)))/s"
            if bytes < total { text += ", \(Self.duration(Double(total - bytes) / rate)) left" }
        }
        if isTerminal {
            let width = 24, filled = min(width, Int(fraction * Double(width)))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(label) [\(bar)] \(text)".utf8))
            drawn = true
        } else if ContinuousClock.now - lastPlain >= .seconds(2) || bytes == total {
            lastPlain = .now
            FileHandle.standardError.write(Data("\(label): \(text)\n".utf8))
        }
    }

    /// Ends the redrawn line.
    func finish() {
        if isTerminal, drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    /// 1023 B, 1.5 KiB, 12.3 MiB, 1.02 GiB.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(bytes), i = 0
        while v >= 1024, i < units.count - 1 {
            v /= 1024
            i += 1
        }
        return i == 0 ? "\(bytes) B" : String(format: v < 10 ? "%.2f %@" : "%.1f %@", v, units[i])
    }

    /// 45 s, 3 min 20 s, 2 h 5 min.
    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded(.up))
        if t < 60 { return "\(t) s" }
        if t < 3600 { return "\(t / 60) min \(t % 60) s" }
        return "\(t / 3600) h \(t % 3600 / 60) min"
    }
}
