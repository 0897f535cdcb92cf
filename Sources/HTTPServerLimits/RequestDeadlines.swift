import NIOCore

/// The deadline a connection is under, as a value: events in, deadline out, time passed in.
/// ``ConnectionDeadlineHandler`` drives it from the channel; tests drive it directly.
///
/// Pipelined requests are counted, so the connection returns to ``ConnectionPhase/idle`` only
/// when every response has ended. A response that ends before its request body (an early
/// refusal) leaves the body deadline running: the body must still arrive, or the connection goes.
struct RequestDeadlines {
    let idleTimeout: TimeAmount
    let headTimeout: TimeAmount
    let bodyTimeout: TimeAmount

    private(set) var phase: ConnectionPhase = .idle
    /// When the current phase began.
    private var since: NIODeadline
    /// Requests whose head arrived and whose response has not ended.
    private var unanswered = 0

    init(limits: ConnectionLimits, now: NIODeadline) {
        idleTimeout = TimeAmount(limits.idleTimeout)
        headTimeout = TimeAmount(limits.headTimeout)
        bodyTimeout = TimeAmount(limits.bodyTimeout)
        since = now
    }

    /// When the connection must be closed unless the phase changes first; nil while answering.
    var deadline: NIODeadline? {
        switch phase {
        case .idle: since + idleTimeout
        case .head: since + headTimeout
        case .body: since + bodyTimeout
        case .responding, .upgraded: nil
        }
    }

    /// Waiting without a request in progress: the connections the table may close first.
    var isWaiting: Bool { phase == .idle || phase == .head }

    /// Bytes came from the client. Only the first byte after idling matters: it starts the head.
    mutating func bytesArrived(now: NIODeadline) {
        guard phase == .idle else { return }
        (phase, since) = (.head, now)
    }

    mutating func headReceived(now: NIODeadline) {
        guard phase != .upgraded else { return }
        unanswered += 1
        (phase, since) = (.body, now)
    }

    mutating func requestEnded(now: NIODeadline) {
        guard phase == .body else { return }
        if unanswered > 0 {
            phase = .responding
        } else {
            (phase, since) = (.idle, now)
        }
    }

    mutating func responseEnded(now: NIODeadline) {
        guard phase != .upgraded else { return }
        unanswered = max(0, unanswered - 1)
        if unanswered == 0, phase == .responding { (phase, since) = (.idle, now) }
    }

    mutating func upgraded() { phase = .upgraded }

    /// The phase whose deadline has passed at `now`, if any.
    func expired(now: NIODeadline) -> ConnectionPhase? {
        guard let deadline, now >= deadline else { return nil }
        return phase
    }
}
