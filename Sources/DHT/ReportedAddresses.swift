/// Our address as other nodes see it: the `sa` field of their replies (OpenDHT's
/// `reportedAddr`). Behind a NAT that is the public address, which ICE offers as a
/// server-reflexive candidate. One vote per replying node (the latest), at most ``maxVoters``
/// nodes remembered, so a few forged replies cannot outvote the rest; the addresses reported by
/// at least two nodes (or by the only one) win, most reported first.
///
/// Cost: O(1) per reply; O(voters) to read.
struct ReportedAddresses: Sendable {
    static let maxVoters = 32
    private var votes: [PeerAddress: [UInt8]] = [:]
    private var order: [PeerAddress] = []

    mutating func record(_ ip: [UInt8], by node: PeerAddress) {
        guard ip.count == 4 || ip.count == 16 else { return }
        if votes.updateValue(ip, forKey: node) == nil {
            order.append(node)
            if order.count > Self.maxVoters { votes[order.removeFirst()] = nil }
        }
    }

    /// The winning addresses as packed IPs (4 or 16 bytes).
    var addresses: [[UInt8]] {
        var counts: [[UInt8]: Int] = [:]
        for ip in votes.values { counts[ip, default: 0] += 1 }
        let needed = votes.count == 1 ? 1 : 2
        return counts.filter { $0.value >= needed }.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key.lexicographicallyPrecedes($1.key)) }.map(\.key)
    }
}
