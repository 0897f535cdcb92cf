import Identity

/// Turns for the files we serve. A member could open hundreds of `data-transfer://` channels
/// (on each of as many devices as it mints), each holding an open file and a read buffer
/// while it streams; so a few files stream at once per asking account and in all, a bounded
/// number of requests wait for their turn in order (a peer that asks for ten photos at once,
/// as jamid does, gets them all, a few at a time), and past that a request is refused: the
/// asker tries another member or again later.
///
/// ``take(for:)`` and ``release(of:)`` are O(waiting) at most (bounded by the limits).
public actor UploadSlots {
    public struct Limits: Sendable {
        /// Files streaming at once to the devices of one account, and to everyone.
        public var perAccount = 4
        public var total = 32
        /// Requests waiting for a turn, from one account and from everyone.
        public var waitingPerAccount = 32
        public var waitingTotal = 128
        public init() {}
    }

    private struct Waiter {
        let account: PublicKeyID
        let turn: CheckedContinuation<Bool, Never>
    }

    private let limits: Limits
    private var streaming: [PublicKeyID: Int] = [:]
    private var streamingCount = 0
    private var waiters: [Waiter] = []
    private var closed = false

    public init(_ limits: Limits) { self.limits = limits }

    /// Files streaming now, and requests waiting.
    public var load: (streaming: Int, waiting: Int) { (streamingCount, waiters.count) }

    /// Returns when `account` may stream a file (then ``release(of:)`` must follow); throws
    /// when too many of its requests, or of all, wait already, or the account is stopping.
    public func take(for account: PublicKeyID) async throws(DaemonError) {
        let mine = waiters.count { $0.account == account }
        // No waiter may stream (a release hands its turn on), so only this account's own
        // waiters go before it.
        if !closed, mine == 0, mayStream(account) { return grant(account) }
        guard !closed, mine < limits.waitingPerAccount, waiters.count < limits.waitingTotal else {
            throw DaemonError(.notAllowed, "busy: \(streaming[account, default: 0]) files streaming to \(account) and \(mine) waiting; \(streamingCount) and \(waiters.count) in all")
        }
        let granted = await withCheckedContinuation { waiters.append(Waiter(account: account, turn: $0)) }
        if !granted { throw DaemonError(.notAllowed, "the account is stopping") }
    }

    /// A file is done streaming to `account`: the first waiter that may stream now does.
    public func release(of account: PublicKeyID) {
        streamingCount -= 1
        if let n = streaming[account], n > 1 { streaming[account] = n - 1 } else { streaming[account] = nil }
        if let i = waiters.firstIndex(where: { mayStream($0.account) }) {
            let w = waiters.remove(at: i)
            grant(w.account)
            w.turn.resume(returning: true)
        }
    }

    /// Refuses every waiting request and any later one (the account stops).
    public func close() {
        closed = true
        for w in waiters { w.turn.resume(returning: false) }
        waiters = []
    }

    private func mayStream(_ account: PublicKeyID) -> Bool {
        streaming[account, default: 0] < limits.perAccount && streamingCount < limits.total
    }

    private func grant(_ account: PublicKeyID) {
        streaming[account, default: 0] += 1
        streamingCount += 1
    }
}
