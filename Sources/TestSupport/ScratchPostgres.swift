import Glibc
import Foundation
import PostgresNIO

/// A private PostgreSQL server for a test or a benchmark run: `initdb` into a fresh folder, listening on a Unix
/// socket only (no TCP port to collide with), stopped and deleted afterwards. As root (CI), the
/// server runs as the `postgres` user, since PostgreSQL refuses to run as root.
public struct ScratchPostgres: Sendable {
    public let folder: URL
    private let bin: URL
    private let asRoot: Bool

    public static func start() async throws -> ScratchPostgres {
        try await onOwnThread { try startBlocking() }
    }

    private static func startBlocking() throws -> ScratchPostgres {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.sorted().last else { throw ScratchPostgresError("PostgreSQL is not installed (run .ci/run)") }
        let bin = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
        let folder = URL(fileURLWithPath: "/tmp/rafiki-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let fixture = ScratchPostgres(folder: folder, bin: bin, asRoot: getuid() == 0)
        if fixture.asRoot { try run("/bin/chown", ["postgres:postgres", folder.path]) }
        try fixture.tool("initdb", ["-D", fixture.data, "-A", "trust", "-U", "rafiki", "--no-sync", "-E", "UTF8"])
        try fixture.tool("pg_ctl", ["-D", fixture.data, "-w", "-t", "60", "-l", folder.path + "/server.log", "start",
                                     "-o", "-c listen_addresses='' -k \(folder.path) -c fsync=off -c max_connections=200"])
        return fixture
    }

    private var data: String { folder.path + "/data" }

    /// Creates a new, empty database; returns its name.
    public func newDatabase() async throws -> String {
        let name = "names_" + UUID().uuidString.prefix(8).lowercased()
        try await onOwnThread { [self] in try tool("createdb", ["-h", folder.path, "-U", "rafiki", name]) }
        return name
    }

    /// `postgres://` URL of `database`, as `rafiki-nameserver --postgres` takes it.
    public func url(database: String) -> String {
        "postgres://rafiki@localhost/\(database)?host=\(folder.path)"
    }

    public func configuration(database: String) -> PostgresClient.Configuration {
        .init(unixSocketPath: folder.path + "/.s.PGSQL.5432", username: "rafiki", password: nil, database: database)
    }

    public func stop() async {
        _ = try? await onOwnThread { [self] in
            try? tool("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
            try? FileManager.default.removeItem(at: folder)
        }
    }

    private func tool(_ name: String, _ arguments: [String]) throws {
        let path = bin.appendingPathComponent(name).path
        if asRoot {
            // From /tmp: the postgres user may not be able to read the caller's working directory.
            try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", "/bin/sh", "-c", #"cd /tmp && exec "$0" "$@""#, path] + arguments)
        } else {
            try Self.run(path, arguments)
        }
    }

    /// Runs a tool to completion with posix_spawn and a blocking `waitpid` on its pid.
    /// Foundation's `Process` is not used: it waits for SIGCHLD, and it missed `runuser`'s exit
    /// here, leaving a zombie and a hung test. Output goes to a file, not a pipe, because the
    /// server `pg_ctl start` leaves running would inherit a pipe and keep it open.
    private static func run(_ executable: String, _ arguments: [String]) throws {
        let log = "/tmp/rafiki-pg-tool-\(UUID().uuidString).log"
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ScratchPostgresError("cannot start \(executable): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw ScratchPostgresError("\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
    }
}

public struct ScratchPostgresError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
