import Identity
import Swarm

/// One fetch at a time per conversation and device: notifications that arrive while a fetch
/// from that device runs are folded into one more fetch after it. A member notifying in a
/// loop thus costs at most one fetch after another (each finding nothing new), never a pile
/// of concurrent ones. O(1) per notification.
struct FetchCoalescer {
    struct Key: Hashable {
        let conversation: ObjectID
        let device: PublicKeyID
    }
    /// Running fetches; true when another notification came meanwhile.
    private var running: [Key: Bool] = [:]

    /// Whether the caller should fetch now (false: one is running, and will run again).
    mutating func begin(_ key: Key) -> Bool {
        if running[key] != nil {
            running[key] = true
            return false
        }
        running[key] = false
        return true
    }

    /// Whether to fetch once more (a notification came during the fetch).
    mutating func end(_ key: Key) -> Bool {
        if running[key] == true {
            running[key] = false
            return true
        }
        running[key] = nil
        return false
    }
}
