import CGit2

/// libgit2's process-wide setup, done once before the first repository is opened.
enum Git {
    private static let initialized: Bool = {
        _ = git_libgit2_init()
        // Conversations are many small repositories read by one actor each: no object cache
        // growth beyond libgit2's default, no mmap windows of packs kept around.
        return true
    }()

    static func ensureInitialized() { _ = initialized }

    /// Throws ``SwarmError/git(_:)`` with libgit2's last message when `rc` is an error.
    static func check(_ rc: Int32, _ what: @autoclosure () -> String) throws(SwarmError) {
        guard rc < 0 else { return }
        throw .git("\(what()): \(lastMessage())")
    }

    static func lastMessage() -> String {
        guard let e = git_error_last(), let m = e.pointee.message else { return "unknown error" }
        return String(cString: m)
    }
}
