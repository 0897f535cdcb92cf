@preconcurrency import Glibc
import Logging

/// Each connection is a file descriptor: the soft open-file limit (often 1,024) is raised to the
/// hard one, and the connection bound kept below it, so the bound, not `accept` failing with
/// EMFILE, decides which connections the server keeps.
enum OpenFileLimit {
    /// Descriptors kept for everything else: the database, PostgreSQL connections, logs.
    static let reserve: rlim_t = 128

    static func connections(wanted: Int, logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return wanted }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = limit.rlim_cur > reserve * 2 ? Int(clamping: limit.rlim_cur - reserve) : Int(clamping: limit.rlim_cur / 2)
        guard wanted > available else { return wanted }
        logger.warning("--max-connections lowered to fit the open-file limit", metadata: ["wanted": "\(wanted)", "used": "\(available)", "limit": "\(limit.rlim_cur)"])
        return available
    }
}
