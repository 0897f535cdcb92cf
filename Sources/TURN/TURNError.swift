/// Why a TURN allocation failed or ended.
public enum TURNError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server refused a request (its error code and reason).
    case refused(method: String, code: Int, reason: String)
    /// A reply broke the protocol: not STUN, oversized, missing attributes, bad integrity.
    case protocolViolation(String)
    /// No answer in time.
    case timeout(String)
    /// The control connection closed.
    case closed

    public var description: String {
        switch self {
        case .refused(let m, let code, let reason): "TURN server refused \(m): \(code) \(reason)"
        case .protocolViolation(let why): "TURN protocol violation: \(why)"
        case .timeout(let what): "TURN server did not answer \(what)"
        case .closed: "TURN connection closed"
        }
    }
}
